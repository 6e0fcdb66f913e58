"""Which run a report describes, and what was in force at that run.

A run is one chain run id of `meta.runs` (see `pipelines.runs`). A report describes the warehouse
as it stood when that run's stages had finished: for each stage, the latest successful run of it
that finished by then (a check stage run on its own earlier still counts), so rebuilding an old
run's report later reads the same rows and gives the same bytes. The report's own rows and the
`run` row that closes a chain are left out: they finish after the report is written.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import duckdb

from pipelines.errors import GovdataError
from pipelines.runs import current_run_id
from pipelines.settings import Settings
from pipelines.warehouse import table_exists

EXCLUDED_STAGES = ("report", "run")
"""Rows of a chain that finish after its report is written (left out so a rebuild agrees)."""


@dataclass(frozen=True)
class StageRow:
    """One `meta.runs` row (a stage's own run) as the report uses it."""

    run_id: str
    chain_run_id: str
    stage: str
    started_at: datetime
    finished_at: datetime | None
    duration_s: float | None
    rows_in: int | None
    rows_out: int | None
    outcome: str
    message: str | None


@dataclass(frozen=True)
class ChainRun:
    """One run of the chain: its stage rows, in the order they started."""

    run_id: str
    stages: tuple[StageRow, ...]

    @property
    def started(self) -> datetime:
        return min(s.started_at for s in self.stages)

    @property
    def finished(self) -> datetime:
        return max((s.finished_at or s.started_at) for s in self.stages)


@dataclass(frozen=True)
class RunContext:
    """What every section query needs: the run, the runs before it and the settings."""

    settings: Settings
    run: ChainRun
    history: tuple[ChainRun, ...]
    """Every run up to and including this one, oldest first."""
    all_rows: tuple[StageRow, ...] = field(repr=False, default=())

    @property
    def run_id(self) -> str:
        return self.run.run_id

    @property
    def previous(self) -> ChainRun | None:
        return self.history[-2] if len(self.history) > 1 else None

    def in_force(self, stage: str, at: ChainRun | None = None) -> StageRow | None:
        """The latest successful run of `stage` finished by the end of run `at` (this run by
        default): what the warehouse held of that stage's output at that run."""
        end = (at or self.run).finished
        chain = (at or self.run).run_id
        candidates = [
            r for r in self.all_rows
            if r.stage == stage and r.outcome == "success" and r.finished_at is not None
            and (r.finished_at <= end or r.chain_run_id == chain)
        ]
        return max(candidates, key=lambda r: (r.finished_at, r.run_id)) if candidates else None

    def later_stage_ran(self, stage: str) -> bool:
        """Whether `stage` ran after this run finished (the warehouse has moved on since)."""
        return any(
            r.stage == stage and r.started_at > self.run.finished and r.chain_run_id != self.run_id
            for r in self.all_rows
        )


def _rows(con: duckdb.DuckDBPyConnection) -> list[StageRow]:
    if not table_exists(con, "meta.runs"):
        return []
    marks = ", ".join("?" for _ in EXCLUDED_STAGES)
    found = con.execute(
        f"""
        select run_id, coalesce(chain_run_id, run_id), stage, started_at, finished_at, duration_s,
               rows_in, rows_out, outcome, message
        from meta.runs where stage not in ({marks})
        order by started_at, run_id
        """,
        list(EXCLUDED_STAGES),
    ).fetchall()
    return [StageRow(*row) for row in found]


def chain_runs(con: duckdb.DuckDBPyConnection) -> list[ChainRun]:
    """Every chain run with at least one stage besides the report, oldest first."""
    grouped: dict[str, list[StageRow]] = {}
    for row in _rows(con):
        grouped.setdefault(row.chain_run_id, []).append(row)
    runs = [ChainRun(run_id, tuple(rows)) for run_id, rows in grouped.items()]
    return sorted(runs, key=lambda r: (r.started, r.run_id))


def resolve_run(con: duckdb.DuckDBPyConnection, settings: Settings, run_id: str | None = None) -> RunContext:
    """The context of run `run_id`; without one, the chain this process runs in (`govdata run`,
    a scheduled chain) or else the latest run.

    Raises:
        GovdataError: no run is recorded, or `run_id` names none.
    """
    runs = chain_runs(con)
    if not runs:
        raise GovdataError("no run is recorded in meta.runs yet: run `govdata run` (or the stages) first")
    ids = [r.run_id for r in runs]
    wanted = run_id or (current_run_id() if current_run_id() in ids else None) or ids[-1]
    if wanted not in ids:
        shown = ", ".join(ids[-5:])
        raise GovdataError(f"no run {wanted!r} in meta.runs (latest runs: {shown})")
    position = ids.index(wanted)
    all_rows = tuple(row for r in runs for row in r.stages)
    return RunContext(settings, runs[position], tuple(runs[: position + 1]), all_rows)


def is_newest(con: duckdb.DuckDBPyConnection, context: RunContext) -> bool:
    runs = chain_runs(con)
    return bool(runs) and runs[-1].run_id == context.run_id


def rows_as_dicts(cursor: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    """A query's rows as dicts keyed by column name."""
    names = [d[0] for d in cursor.description or ()]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
