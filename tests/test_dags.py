"""The DAG files: they import, each has an owner, tags and retries, writers use the one-slot
pool, the Asset chain gives the stage order, and parsing does no work."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from pipelines.orchestrate import DAGS_FOLDER, WAREHOUSE_POOL, load_dags, stage_order

EXPECTED_ORDER = [
    "govdata_ingest",
    "govdata_stage",
    "govdata_check_staging",
    "govdata_resolve",
    "govdata_build",
    "govdata_check_libraries",
    "govdata_findings",
    "govdata_publish",
    "govdata_report",
]


@pytest.fixture(scope="module")
def dags() -> dict:
    return load_dags()  # in the test session's Airflow home (tests/conftest.py)


def test_dagbag_loads_every_dag_file(dags: dict) -> None:
    files = sorted(p.stem for p in DAGS_FOLDER.glob("*.py") if not p.name.startswith("_"))
    assert sorted(dags) == files == sorted(EXPECTED_ORDER)


def test_every_dag_has_owner_tags_retries(dags: dict) -> None:
    for dag_id, dag in dags.items():
        assert dag.tags and "govdata" in dag.tags, dag_id
        assert not dag.catchup, dag_id
        for task in dag.tasks:
            assert task.owner and task.owner != "airflow", (dag_id, task.task_id)
            assert task.retries >= 1, (dag_id, task.task_id)


def test_tasks_writing_the_warehouse_use_the_one_slot_pool(dags: dict) -> None:
    for dag_id, dag in dags.items():
        writers = [t for t in dag.tasks if t.pool == WAREHOUSE_POOL]
        assert writers, f"{dag_id} has no task in the {WAREHOUSE_POOL} pool"
        # every task that produces the stage's Asset or calls a stage writes the warehouse
        for task in dag.tasks:
            if task.pool != WAREHOUSE_POOL:  # they only read the landing folder and the ledger
                assert task.task_id in {"departments", "deliveries_changed"}, (dag_id, task.task_id)


def test_asset_chain_orders_the_stages(dags: dict) -> None:
    assert stage_order(dags) == EXPECTED_ORDER


def test_parsing_a_dag_file_does_no_work(tmp_path: Path) -> None:
    """Parsing imports no heavy module and opens no warehouse."""
    warehouse = tmp_path / "never.duckdb"
    script = f"""
import json, os, sys
os.environ["GOVDATA_WAREHOUSE"] = {str(warehouse)!r}
os.environ["AIRFLOW_HOME"] = {str(tmp_path / "af")!r}
from pipelines.orchestrate import load_dags
load_dags()
heavy = sorted(m for m in ("duckdb", "polars", "dbt", "great_expectations", "pipelines.ingest",
                           "pipelines.stage", "pipelines.resolve", "pipelines.quality")
               if m in sys.modules)
print(json.dumps(heavy))
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert json.loads(done.stdout.strip().splitlines()[-1]) == []
    assert not warehouse.exists()


def test_prepare_airflow_runs_its_commands_once_per_metadata_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`govdata run` prepares Airflow every time: after the first success for a database and
    Airflow version, the (seconds-long) migrate and pool commands are skipped; a new database
    gets them again."""
    from pipelines import orchestrate

    home = tmp_path / "airflow_home"
    for key, value in orchestrate.airflow_environment(home).items():
        monkeypatch.setenv(key, value)  # restored after the test (prepare_airflow sets them)
    monkeypatch.delenv("AIRFLOW__DATABASE__SQL_ALCHEMY_CONN", raising=False)
    commands: list[list[str]] = []
    real_run = subprocess.run

    def recording_run(command: list[str], **kwargs: Any) -> Any:
        commands.append(command)
        return real_run(command, **kwargs)

    monkeypatch.setattr(orchestrate.subprocess, "run", recording_run)
    orchestrate.prepare_airflow(home)
    first = len(commands)
    assert first == 2 and (home / "airflow.db").exists()
    orchestrate.prepare_airflow(home)
    assert len(commands) == first
    (home / "airflow.db").unlink()
    orchestrate.prepare_airflow(home)
    assert len(commands) == 2 * first and (home / "airflow.db").exists()


def test_each_task_returns_its_result_as_one_xcom(dags: dict) -> None:
    """A dict result unrolled into one XCom per key costs one metadata-database round trip per
    key (about 10 ms each under `dag.test()`); no downstream task reads the keys separately."""
    for dag_id, dag in dags.items():
        for task in dag.tasks:
            assert not getattr(task, "multiple_outputs", False), (dag_id, task.task_id)


def test_warehouse_is_held_open_only_around_dags_of_mapped_tasks(dags: dict, tmp_path: Path) -> None:
    """The ingest DAG's department tasks share one open warehouse; around every other DAG the
    file stays free, so that the check stages' worker processes can open it themselves."""
    from pipelines.orchestrate import _warehouse_kept_open
    from pipelines.settings import load_settings
    from pipelines.warehouse import connect

    settings = load_settings(warehouse=tmp_path / "w.duckdb")
    connect(settings).close()  # the warehouse exists, and nothing holds it
    probe = [sys.executable, "-c", f"import duckdb; duckdb.connect({str(settings.warehouse_path)!r}, read_only=True)"]
    held: dict[str, bool] = {}
    for dag_id in ("govdata_ingest", "govdata_check_staging", "govdata_stage"):
        with _warehouse_kept_open(settings, dags[dag_id]):
            held[dag_id] = subprocess.run(probe, capture_output=True).returncode != 0
    assert held == {"govdata_ingest": True, "govdata_check_staging": False, "govdata_stage": False}
