# The two commands that matter: `make run` (set up, then run the whole pipeline on the sample
# county) and `make test` (set up, then run every test). Everything else is a step of those.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export AIRFLOW_HOME := $(CURDIR)/airflow_home
export AIRFLOW__CORE__DAGS_FOLDER := $(CURDIR)/dags
export AIRFLOW__CORE__LOAD_EXAMPLES := False

.PHONY: run test setup airflow-init airflow generate status lock dbt-docs codegen clean

$(BIN)/govdata: pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[test]'
	touch $(BIN)/govdata

setup: $(BIN)/govdata

airflow-init: setup
	$(BIN)/python -c "from pipelines.orchestrate import prepare_airflow; print('airflow ready:', prepare_airflow())"

run: airflow-init
	@if [ -z "$$(find "$${GOVDATA_LANDING:-data/landing}" -type f -print -quit 2>/dev/null)" ]; then \
		echo "landing folder is empty: generating the sample county"; \
		$(BIN)/govdata generate; \
	fi
	$(BIN)/govdata run
	$(BIN)/govdata status

test: setup
	$(BIN)/python -m pytest $(PYTEST_ARGS)

generate: setup
	$(BIN)/govdata generate

status: setup
	$(BIN)/govdata status

# Airflow's web UI with the project's DAGs (login: see README). `airflow standalone` starts its
# components as `airflow ...` subprocesses, so the venv's bin must come first on PATH.
airflow: airflow-init
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/airflow standalone

codegen: setup
	$(BIN)/python -m pipelines.dbt_codegen

dbt-docs: setup
	cd dbt_project && GOVDATA_DBT_WAREHOUSE=$(CURDIR)/data/warehouse/govdata.duckdb \
		../$(BIN)/dbt docs generate --profiles-dir . --project-dir .

# Re-pin every package after changing pyproject.toml's dependencies.
lock: setup
	$(BIN)/python -m pip freeze --exclude-editable | grep -v '^govdata' > constraints.txt.new
	(echo '# The lock: every package pinned. Regenerate with `make lock` after changing pyproject.toml.'; \
		cat constraints.txt.new) > constraints.txt && rm constraints.txt.new

clean:
	rm -rf data/warehouse data/reports data/open data/share data/catalog airflow_home dbt_project/target
