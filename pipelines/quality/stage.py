"""The two check stages: `govdata check staging` and `govdata check libraries`.

Each runs its suites with one GX context, appends `dq.results` / `dq.failures` (and, for the
libraries, `dq.gate`), and returns a small summary for the CLI. A check reads the warehouse and
writes only to `dq`: it never deletes or alters the data it checks.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from typing import Any, TypeVar

import duckdb
import pandas as pd

from pipelines.quality.declarations import Suite, gate_policy
from pipelines.quality.suites_libraries import library_suites
from pipelines.quality.suites_staging import staging_suites
from pipelines.quality.runner import (
    DEFAULT_CHUNK_ROWS,
    Finishing,
    PARALLEL_MIN_ROWS,
    CheckOutcome,
    SuiteOutcome,
    suite_sizes,
    validate_suites,
    worker_pool,
)
from pipelines.quality.store import append, score_rows, trend, write_outcomes
from pipelines.build import LIBRARY_SCHEMAS
from pipelines.settings import Settings
from pipelines.warehouse import connect, record_stage, table_exists

T = TypeVar("T")


class _Clock:
    """Wall-clock time of each phase of a check run (reported by the CLI and the benchmark)."""

    def __init__(self) -> None:
        self.phases: dict[str, float] = {}

    def time(self, phase: str, function: Callable[..., T], *args: Any) -> T:
        started = time.perf_counter()
        try:
            return function(*args)
        finally:
            self.phases[phase] = self.phases.get(phase, 0.0) + time.perf_counter() - started

    def describe(self) -> str:
        return ", ".join(f"{phase} {seconds:.1f}" for phase, seconds in self.phases.items())


def _runnable(con: duckdb.DuckDBPyConnection, suites: list[Suite]) -> tuple[list[Suite], list[str]]:
    """The suites whose tables exist, and the tables that do not."""
    runnable: list[Suite] = []
    missing: list[str] = []
    for suite in suites:
        absent = [t for t in suite.requires if not table_exists(con, t)]
        missing.extend(t for t in absent if t not in missing)
        if not absent:
            runnable.append(suite)
    return runnable, missing


def _workers(settings: Settings, schemas: tuple[str, ...]) -> int:
    """`check_workers` when the tables of `schemas` are large (DuckDB's estimate), else one:
    below `PARALLEL_MIN_ROWS` rows, starting processes costs more than it saves."""
    with connect(settings) as con:
        marks = ", ".join("?" for _ in schemas)
        (rows,) = con.execute(
            f"select coalesce(sum(estimated_size), 0) from duckdb_tables() where schema_name in ({marks})",
            list(schemas),
        ).fetchone()  # type: ignore[misc]
    return settings.check_workers if rows >= PARALLEL_MIN_ROWS else 1


def _validate(
    settings: Settings,
    run_id: str,
    suites: list[Suite],
    sizes: list[int],
    chunk_rows: int,
    pool: ProcessPoolExecutor | None,
) -> list[SuiteOutcome]:
    """Validate, side by side in the pool's processes if there is a pool; each suite is finished
    (Data Docs page, masked failing records) in the process that validated it."""
    finishing = Finishing(run_id=run_id, as_of=settings.as_of)
    workers = settings.check_workers if pool is not None else 1
    return validate_suites(
        str(settings.warehouse_path), suites, chunk_rows, workers, sizes, finishing, pool, settings
    )


def _plan(
    settings: Settings, build: Callable[[Settings, duckdb.DuckDBPyConnection], list[Suite]]
) -> tuple[list[Suite], list[str], list[int]]:
    """The run's suites, the missing tables and each suite's rows, on a connection closed
    before validating (so worker processes can open the warehouse read-only)."""
    with connect(settings) as con:
        suites, missing = _runnable(con, build(settings, con))
        return suites, missing, suite_sizes(con, suites)


def _summary(outcomes: list[SuiteOutcome], written: dict[str, int]) -> dict[str, Any]:
    checks: list[CheckOutcome] = [c for s in outcomes for c in s.checks]
    return {
        "suites": len(outcomes),
        "checks": len(checks),
        "failed checks": sum(1 for c in checks if not c.success),
        "failed error checks": sum(1 for c in checks if not c.success and c.check.rule.severity == "error"),
        "failing records": written["failures"],
    }


def _record(
    con: duckdb.DuckDBPyConnection,
    settings: Settings,
    run_id: str,
    stage: str,
    outcomes: list[SuiteOutcome],
) -> tuple[dict[str, int], pd.DataFrame]:
    """Append results, failures and dimension scores of a run."""
    all_checks = [c for s in outcomes for c in s.checks]
    written = write_outcomes(con, run_id, settings.as_of, all_checks, gate_policy(settings))
    scores = score_rows(run_id, settings.as_of, stage, all_checks)
    append(con, "scores", scores)
    return written, scores


def _docs(
    con: duckdb.DuckDBPyConnection,
    settings: Settings,
    run_id: str,
    stage: str,
    outcomes: list[SuiteOutcome],
    scores: pd.DataFrame,
    gates: dict[str, bool] | None = None,
) -> str:
    from pipelines.quality.docs import build_run_docs

    index = build_run_docs(settings, run_id, stage, outcomes, scores, trend(con, stage), gates)
    return str(index)


def check_staging(settings: Settings, chunk_rows: int = DEFAULT_CHUNK_ROWS) -> dict[str, int | str]:
    """Run every staging suite (one per staging model) and record the results; skipped when
    nothing it reads changed since its last run (`pipelines.unchanged`)."""
    from pipelines.unchanged import run_unless_unchanged

    return run_unless_unchanged("check_staging", settings, lambda: _check_staging(settings, chunk_rows))


def _check_staging(settings: Settings, chunk_rows: int) -> dict[str, int | str]:
    with record_stage("check_staging", settings) as run:
        clock = _Clock()
        # the workers start (importing GX) while the suites are planned
        with worker_pool(_workers(settings, ("staging",))) as pool:
            suites, missing, sizes = _plan(settings, staging_suites)
            outcomes = clock.time("validate", _validate, settings, run.run_id, suites, sizes, chunk_rows, pool)
        with connect(settings) as con:
            written, scores = clock.time("record", _record, con, settings, run.run_id, "staging", outcomes)
            docs = clock.time("data docs", _docs, con, settings, run.run_id, "staging", outcomes, scores)
        run.rows_in = sum(s.rows for s in outcomes)
        run.rows_out = written["results"] + written["failures"]
        summary: dict[str, int | str] = {"run id": run.run_id, **_summary(outcomes, written)}
        if missing:
            summary["tables missing"] = ", ".join(missing)
        summary["data docs"] = docs
        summary["seconds"] = clock.describe()
        return summary


def check_libraries(settings: Settings, chunk_rows: int = DEFAULT_CHUNK_ROWS) -> dict[str, int | str]:
    """Run every library suite, record the results and decide each library's gate; skipped when
    nothing it reads changed since its last run (`pipelines.unchanged`)."""
    from pipelines.unchanged import run_unless_unchanged

    return run_unless_unchanged("check_libraries", settings, lambda: _check_libraries(settings, chunk_rows))


def _check_libraries(settings: Settings, chunk_rows: int) -> dict[str, int | str]:
    from pipelines.quality.gate import write_gates

    with record_stage("check_libraries", settings) as run:
        clock = _Clock()
        with worker_pool(_workers(settings, LIBRARY_SCHEMAS)) as pool:
            suites, missing, sizes = _plan(settings, library_suites)
            outcomes = clock.time("validate", _validate, settings, run.run_id, suites, sizes, chunk_rows, pool)
        with connect(settings) as con:
            written, scores = clock.time("record", _record, con, settings, run.run_id, "libraries", outcomes)
            gates = write_gates(con, settings, run.run_id, settings.as_of)
            docs = clock.time("data docs", _docs, con, settings, run.run_id, "libraries", outcomes, scores, gates)
        run.rows_in = sum(s.rows for s in outcomes)
        run.rows_out = written["results"] + written["failures"] + len(gates)
        summary: dict[str, int | str] = {"run id": run.run_id, **_summary(outcomes, written)}
        summary["gates open"] = ", ".join(sorted(k for k, v in gates.items() if v)) or "-"
        summary["gates closed"] = ", ".join(sorted(k for k, v in gates.items() if not v)) or "-"
        if missing:
            summary["tables missing"] = ", ".join(missing)
        summary["data docs"] = docs
        summary["seconds"] = clock.describe()
        return summary
