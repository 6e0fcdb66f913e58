"""The DuckDB warehouse: one file, one writer at a time, and the `meta.runs` audit table.

Every stage opens the warehouse through `connect()` (so the schemas exist) and wraps its work in
`record_stage()` (so `govdata status` can say when each stage last ran, how long it took, rows in
and out, and how it ended). `meta.runs` is append-only and the only place wall-clock time goes.
"""

from __future__ import annotations

import time
import uuid
from pathlib import Path
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import duckdb

from pipelines.runs import chain_scope, current_run_id, new_run_id
from pipelines.settings import Settings, get_settings

SCHEMAS = ("raw", "staging", "er", "dq", "meta", "catalog")

_RUNS_DDL = """
create table if not exists meta.runs (
    run_id varchar not null,
    stage varchar not null,
    as_of date not null,
    started_at timestamp not null,
    finished_at timestamp,
    duration_s double,
    rows_in bigint,
    rows_out bigint,
    outcome varchar not null,
    message varchar,
    chain_run_id varchar
)
"""
# meta.runs of a warehouse written before the chain-level run id existed gets the column
_RUNS_MIGRATE = "alter table meta.runs add column if not exists chain_run_id varchar"


def connect(settings: Settings | None = None, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Open the warehouse file, creating it, its folder and the base schemas when writable.

    Every connection gets the settings' DuckDB memory limit and spill folder
    (`Settings.duckdb_config`), so a larger input spills instead of failing.
    """
    settings = settings or get_settings()
    path = settings.warehouse_path
    if read_only:
        return open_reader(str(path), settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(path), config=settings.duckdb_config())
    for schema in SCHEMAS:
        con.execute(f"create schema if not exists {schema}")
    con.execute(_RUNS_DDL)
    con.execute(_RUNS_MIGRATE)
    return con


def open_reader(path: str, settings: Settings | None = None) -> duckdb.DuckDBPyConnection:
    """A read-only connection, or a plain one when this process already holds the file open
    read-write (DuckDB refuses a second configuration of the same file in one process, which
    happens when all stages run in one process under `dag.test()`). It gets the settings'
    memory limit and spill folder like every other connection."""
    config = (settings or get_settings()).duckdb_config(Path(path))
    try:
        return duckdb.connect(path, read_only=True, config=config)
    except duckdb.ConnectionException:
        return duckdb.connect(path, config=config)


def table_exists(con: duckdb.DuckDBPyConnection, qualified: str) -> bool:
    schema, _, name = qualified.partition(".")
    row = con.execute(
        "select count(*) from information_schema.tables where table_schema = ? and table_name = ?",
        [schema, name],
    ).fetchone()
    return bool(row and row[0])


@dataclass
class StageRun:
    """What a stage reports about itself while it runs."""

    stage: str
    run_id: str
    rows_in: int | None = None
    rows_out: int | None = None
    message: str | None = None
    details: dict[str, Any] = field(default_factory=dict)
    chain_run_id: str = field(default_factory=lambda: current_run_id() or new_run_id())
    """The run of the whole chain this stage belongs to (its own when it runs alone)."""


_LAST_RUN_IDS: dict[str, str] = {}


def last_stage_run_id(stage: str) -> str | None:
    """The `meta.runs` run id of the latest run of `stage` this process recorded."""
    return _LAST_RUN_IDS.get(stage)


@contextmanager
def record_stage(stage: str, settings: Settings | None = None) -> Iterator[StageRun]:
    """Append one `meta.runs` row for a stage run, whether it succeeds or fails.

    The row is written after the stage finishes, on a fresh connection, so a stage that holds
    its own connection never blocks it. `run.chain_run_id` is the chain's run id (see
    `pipelines.runs`): every output the stage writes names it.
    """
    settings = settings or get_settings()
    run = StageRun(stage=stage, run_id=uuid.uuid4().hex[:16])
    _LAST_RUN_IDS[stage] = run.run_id
    started = utc_now()
    clock = time.perf_counter()
    outcome = "success"
    try:
        with chain_scope(run.chain_run_id):  # everything inside the stage sees the chain's id
            yield run
    except BaseException as exc:
        outcome = "failed"
        run.message = run.message or f"{type(exc).__name__}: {exc}"[:500]
        raise
    finally:
        append_run(
            settings,
            StageRun(stage, run.run_id, run.rows_in, run.rows_out, run.message, chain_run_id=run.chain_run_id),
            started,
            outcome,
            round(time.perf_counter() - clock, 3),
        )


def utc_now() -> datetime:
    """Wall-clock time for audit rows only (naive UTC, as meta.runs stores it)."""
    return datetime.now(UTC).replace(tzinfo=None)


def append_run(
    settings: Settings,
    run: StageRun,
    started: datetime,
    outcome: str,
    duration_s: float | None = None,
) -> None:
    """Append one finished stage run to meta.runs (the audit table `govdata status` reads)."""
    finished = utc_now()
    if duration_s is None:
        duration_s = round((finished - started).total_seconds(), 3)
    with connect(settings) as con:
        con.execute(
            "insert into meta.runs values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                run.run_id,
                run.stage,
                settings.as_of,
                started,
                finished,
                duration_s,
                run.rows_in,
                run.rows_out,
                outcome,
                run.message,
                run.chain_run_id,
            ],
        )


def last_runs(settings: Settings | None = None) -> list[dict[str, Any]]:
    """The latest `meta.runs` row of every stage (for `govdata status`)."""
    settings = settings or get_settings()
    if not settings.warehouse_path.exists():
        return []
    with connect(settings, read_only=True) as con:
        if not table_exists(con, "meta.runs"):
            return []
        rows = con.execute(
            """
            select stage, started_at, duration_s, rows_in, rows_out, outcome, chain_run_id, message
            from meta.runs
            qualify row_number() over (partition by stage order by finished_at desc) = 1
            order by started_at
            """
        ).fetchall()
    keys = ("stage", "started_at", "duration_s", "rows_in", "rows_out", "outcome", "chain_run_id", "message")
    return [dict(zip(keys, row, strict=True)) for row in rows]
