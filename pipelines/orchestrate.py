"""`govdata run`: every stage DAG, in Asset order, through Airflow in this one process.

The order is not listed here: it is read from the DAGs themselves (each DAG is scheduled on the
Asset the DAG before it produces), so the DAG files stay the one statement of the chain. Each
DAG runs with `dag.test()`, which needs Airflow's metadata database (SQLite under the project's
`airflow_home/`, prepared by `prepare_airflow()`) but no scheduler.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from pipelines.errors import GovdataError
from pipelines.settings import PROJECT_ROOT, Settings

DAGS_FOLDER = PROJECT_ROOT / "dags"
# The one-slot pool every task that writes the DuckDB file runs in (DuckDB allows one writer):
# created by `prepare_airflow`, named in every DAG's default arguments (`dag_support`).
WAREHOUSE_POOL = "duckdb_writer"


def airflow_environment(home: Path | None = None) -> dict[str, str]:
    """The Airflow variables the project runs with (its home inside the project by default, and
    its OpenLineage provider configured from the settings: `pipelines.lineage`)."""
    from pipelines.lineage import airflow_variables
    from pipelines.settings import parsing_settings

    home = home or Path(os.environ.get("AIRFLOW_HOME", PROJECT_ROOT / "airflow_home"))
    return {
        **airflow_variables(parsing_settings()),
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(DAGS_FOLDER),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__UNIT_TEST_MODE": "False",
        "AIRFLOW__LOGGING__LOGGING_LEVEL": os.environ.get("AIRFLOW__LOGGING__LOGGING_LEVEL", "WARNING"),
    }


def prepare_airflow(home: Path | None = None) -> Path:
    """Create/upgrade the SQLite metadata database and the one-slot warehouse pool (idempotent).

    The two Airflow commands cost seconds on every `govdata run`; once they have succeeded for
    this Airflow version, a stamp next to the default SQLite database skips them until the
    database or the version changes (with another metadata database configured, they always run).
    """
    env = {**os.environ, **airflow_environment(home)}
    os.environ.update(airflow_environment(home))
    home_path = Path(env["AIRFLOW_HOME"])
    home_path.mkdir(parents=True, exist_ok=True)
    stamp_file, stamp = _prepared_stamp(home_path, env)
    prepared = stamp_file is not None and stamp_file.exists() and (home_path / "airflow.db").exists()
    if prepared and stamp_file.read_text(encoding="utf-8") == stamp:  # type: ignore[union-attr]
        return home_path
    airflow = [sys.executable, "-m", "airflow"]
    for command in (
        ["db", "migrate"],
        ["pools", "set", WAREHOUSE_POOL, "1", "DuckDB allows one writing process at a time"],
    ):
        done = subprocess.run([*airflow, *command], env=env, capture_output=True, text=True)
        if done.returncode != 0:
            tail = (done.stderr or done.stdout).strip().splitlines()[-1:] or ["no output"]
            raise GovdataError(f"airflow {' '.join(command)} failed: {tail[0]}")
    if stamp_file is not None:
        stamp_file.write_text(stamp, encoding="utf-8")
    return home_path


def _prepared_stamp(home: Path, env: dict[str, str]) -> tuple[Path | None, str]:
    """Where the prepared stamp lives (None when another metadata database than the default
    SQLite file is configured) and what it says: the Airflow version and the pool."""
    from importlib.metadata import version

    stamp = f"apache-airflow {version('apache-airflow')}; pool {WAREHOUSE_POOL} 1 slot\n"
    configured = env.get("AIRFLOW__DATABASE__SQL_ALCHEMY_CONN")
    if configured and configured != f"sqlite:///{home / 'airflow.db'}":
        return None, stamp
    return home / ".govdata_prepared", stamp


def load_dags() -> dict[str, Any]:
    """The project's DAGs by id; import errors raise one clear error."""
    os.environ.update(airflow_environment())
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(str(DAGS_FOLDER))
    if bag.import_errors:
        first = next(iter(bag.import_errors.items()))
        raise GovdataError(f"DAG import error in {first[0]}: {first[1].strip().splitlines()[-1]}")
    return dict(bag.dags)


def _asset_keys(assets: Any) -> set[str]:
    keys: set[str] = set()
    for asset in assets or []:
        uri = getattr(asset, "uri", None)
        if uri:
            keys.add(uri)
        else:  # an asset condition (&, |): its members
            keys |= _asset_keys(getattr(asset, "objects", []))
    return keys


def stage_order(dags: dict[str, Any]) -> list[str]:
    """DAG ids in Asset order: a DAG comes after the DAGs producing the Assets it waits on."""
    produces: dict[str, set[str]] = {}
    waits: dict[str, set[str]] = {}
    for dag_id, dag in dags.items():
        produces[dag_id] = {
            uri for task in dag.tasks for uri in _asset_keys(getattr(task, "outlets", []))
        }
        waits[dag_id] = _asset_keys(getattr(dag.timetable, "asset_condition", None) and [dag.timetable.asset_condition])
    order: list[str] = []
    remaining = dict(waits)
    while remaining:
        ready = sorted(
            dag_id
            for dag_id, needs in remaining.items()
            if all(any(need in produces[done] for done in order) for need in needs)
        )
        if not ready:
            raise GovdataError(f"the DAGs' Assets form a cycle or wait on nothing: {sorted(remaining)}")
        order.extend(ready)
        for dag_id in ready:
            remaining.pop(dag_id)
    return order


@contextmanager
def _warehouse_kept_open(settings: Settings, dag: Any) -> Iterator[None]:
    """Keep the warehouse open in this process while a DAG of mapped tasks runs.

    `dag.test()` runs the mapped tasks one after another in this process, each opening and
    closing the warehouse: without a connection held open around them, every task re-reads the
    catalog on opening and checkpoints on closing (about 70 ms a task; 1.2 s for the 18
    departments of the ingest DAG at `small`). Held open, their connections share one database
    instance. Only mapped DAGs get it: the check stages' worker processes must be able to open
    the file themselves, which a writer held open in this process would prevent.
    """
    if not any(getattr(task, "is_mapped", False) for task in dag.tasks):
        yield
        return
    from pipelines.warehouse import connect

    con = connect(settings)
    try:
        yield
    finally:
        con.close()


def run_all(settings: Settings, progress: Callable[[str], None] = print) -> dict[str, str]:
    """Run every DAG in order under one chain-level run id; stop at the first that fails.

    The id (`pipelines.runs`) is recorded on every stage's `meta.runs` row and on one `run` row
    for the whole chain, written whether the chain succeeds or fails. Each stage is shown with its
    elapsed time and, inside long stages, how far it is (`pipelines.progress`); everything shown
    and every log record of the run also goes to one log file, `<logs>/<run id>.log`, whose path
    the result (and the error, on failure) names.
    """
    import time

    from pipelines import progress as stage_progress
    from pipelines.runs import chain_scope, new_run_id
    from pipelines.warehouse import record_stage

    prepare_airflow()
    logging.getLogger("airflow").setLevel(logging.WARNING)
    # Airflow's in-process Execution API (what dag.test() talks to) imports Starlette's test
    # client, which warns about its httpx dependency: Airflow's business, nothing an operator
    # of `govdata run` can act on.
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
    dags = load_dags()
    outcome: dict[str, str] = {}
    run_id = new_run_id()
    log_path = settings.logs_path / f"{run_id}.log"
    with _run_log(log_path) as logged, chain_scope(run_id), record_stage("run", settings) as chain:

        def show(message: str) -> None:
            logged.info(message)
            progress(message)

        show(f"run id {run_id}; log {log_path}")
        outcome["run_id"] = run_id
        with stage_progress.shown_by(show):
            for dag_id in stage_order(dags):
                show(f"{dag_id} ...")
                clock = time.perf_counter()
                with _warehouse_kept_open(settings, dags[dag_id]):
                    run = dags[dag_id].test()
                state = str(getattr(run.state, "value", run.state))
                outcome[dag_id] = state
                show(f"{dag_id} {state} in {time.perf_counter() - clock:.1f} s")
                if state != "success":
                    failed = [
                        ti.task_id
                        for ti in run.get_task_instances()
                        if str(getattr(ti.state, "value", ti.state)) != "success"
                    ]
                    raise GovdataError(
                        f"{dag_id} ended {state}; tasks not successful: {', '.join(failed)}; log: {log_path}"
                    )
        chain.message = f"{len(outcome) - 1} stage DAGs"
        outcome["log"] = str(log_path)
    return outcome


@contextmanager
def _run_log(path: Path) -> Iterator[logging.Logger]:
    """One log file for a run: the run's own lines and every log record at INFO or above."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setLevel(logging.INFO)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(min(level, logging.INFO) if level else logging.INFO)
    logger = logging.getLogger("govdata.run")
    try:
        yield logger
    except BaseException:
        logger.exception("the run failed")
        raise
    finally:
        root.removeHandler(handler)
        root.setLevel(level)
        handler.close()
