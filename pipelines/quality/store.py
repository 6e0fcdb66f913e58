"""The `dq` schema: append-only history of check results, failing records and library gates.

`dq.results` has one row per check per run; `dq.failures` every failing record of every failed
check (no cap: an auditor follows each one up) with its lineage and its values masked by the
column's sensitivity; `dq.gate` one row per library per run; `dq.scores` the share of elements
passing per dimension, per department and per library, for trends. Rows are only ever added:
reruns accumulate, nothing is overwritten, and a check never touches the data it checks.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import duckdb
import pandas as pd
import polars as pl

from pipelines.quality import conditions
from pipelines.quality.declarations import DELIVERED_SUFFIX, DIMENSIONS, MULTICOLUMN_EXPECTATIONS, GatePolicy, Suite
from pipelines.quality.runner import CheckOutcome

# Columns of the dq tables (name and type). The tables are history: they are created when
# missing and, when a later version adds a column, altered to add it (older rows keep NULL).
TABLES: dict[str, tuple[tuple[str, str], ...]] = {
    "results": (
        ("run_id", "varchar not null"),
        ("as_of", "date not null"),
        ("stage", "varchar not null"),
        ("suite", "varchar not null"),
        ("scope", "varchar not null"),
        ("table", "varchar not null"),
        ("column", "varchar"),
        ("expectation", "varchar not null"),
        ("check_id", "varchar not null"),
        ("rule", "varchar not null"),
        ("dimension", "varchar not null"),
        ("indicator", "varchar not null"),
        ("severity", "varchar not null"),
        ("threshold", "double not null"),
        ("baseline_rate", "double"),
        ("reason", "varchar not null"),
        ("department", "varchar"),
        ("library", "varchar"),
        ("source", "varchar"),
        ("element_count", "bigint not null"),
        ("elements_evaluated", "bigint not null"),
        ("unexpected_count", "bigint not null"),
        ("ratio", "double not null"),
        ("success", "boolean not null"),
        ("closes_gate", "boolean not null"),
        ("evaluated_at", "timestamp not null"),
    ),
    "failures": (
        ("run_id", "varchar not null"),
        ("as_of", "date not null"),
        ("stage", "varchar not null"),
        ("suite", "varchar not null"),
        ("table", "varchar not null"),
        ("column", "varchar"),
        ("expectation", "varchar not null"),
        ("check_id", "varchar not null"),
        ("dimension", "varchar not null"),
        ("indicator", "varchar not null"),
        ("severity", "varchar not null"),
        ("record_key", "varchar"),
        ("department", "varchar"),
        ("library", "varchar"),
        ("source", "varchar"),
        ("source_file", "varchar"),
        ("line", "varchar"),
        ("value", "varchar"),
        ("evaluated_at", "timestamp not null"),
    ),
    "gate": (
        ("run_id", "varchar not null"),
        ("as_of", "date not null"),
        ("library", "varchar not null"),
        ("passed", "boolean not null"),
        ("status", "varchar not null"),
        ("failing_checks", "varchar[] not null"),
        ("evaluated_at", "timestamp not null"),
    ),
    "scores": (
        ("run_id", "varchar not null"),
        ("as_of", "date not null"),
        ("stage", "varchar not null"),
        ("scope", "varchar not null"),
        ("scope_name", "varchar not null"),
        ("dimension", "varchar not null"),
        ("elements_evaluated", "bigint not null"),
        ("elements_passing", "bigint not null"),
        ("score", "double"),
        ("evaluated_at", "timestamp not null"),
    ),
}


def ensure_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Create the dq tables when missing and add columns a later version introduced (they are
    never dropped or rewritten: they are the history)."""
    con.execute("create schema if not exists dq")
    for table, columns in TABLES.items():
        body = ", ".join(f'"{name}" {kind}' for name, kind in columns)
        con.execute(f"create table if not exists dq.{table} ({body})")
        present = {
            row[0]
            for row in con.execute(
                "select column_name from information_schema.columns where table_schema = 'dq' and table_name = ?",
                [table],
            ).fetchall()
        }
        for name, kind in columns:
            if name not in present:
                con.execute(f'alter table dq.{table} add column "{name}" {kind.replace(" not null", "")}')


def now() -> datetime:
    """Wall-clock time for the audit columns (the only place a check reads the clock)."""
    return datetime.now(UTC).replace(tzinfo=None)


def result_rows(
    run_id: str, as_of: date, outcomes: list[CheckOutcome], evaluated_at: datetime, policy: GatePolicy
) -> pd.DataFrame:
    """dq.results rows of a run's check outcomes."""
    rows = [
        {
            "run_id": run_id,
            "as_of": as_of,
            "stage": o.suite.stage,
            "suite": o.suite.name,
            "scope": o.suite.scope,
            "table": o.suite.table,
            "column": o.check.column,
            "expectation": o.check.rule.expectation,
            "check_id": o.check.check_id,
            "rule": o.check.rule.name,
            "dimension": o.check.rule.dimension,
            "indicator": o.check.rule.indicator,
            "severity": o.check.rule.severity,
            "threshold": o.check.threshold,
            "baseline_rate": o.check.baseline_rate,
            "reason": o.check.rule.reason,
            "department": o.suite.department,
            "library": o.suite.library,
            "source": o.suite.source,
            "element_count": o.elements,
            "elements_evaluated": o.evaluated,
            "unexpected_count": o.unexpected,
            "ratio": o.ratio,
            "success": o.success,
            "closes_gate": o.closes_gate(policy),
            "evaluated_at": evaluated_at,
        }
        for o in outcomes
    ]
    return pd.DataFrame(rows, columns=_columns("results"))


def _masked_value_expr(suite: Suite, columns: tuple[str, ...], frame: pl.DataFrame) -> pl.Expr:
    """The failing values as text (`col=value; ...` for several columns), each masked."""
    from pipelines.standards import mask_expr

    parts = []
    for name in columns:
        if name not in frame.columns:
            continue
        info = suite.columns.get(name)
        sensitivity = info.sensitivity if info else "personal"  # unknown columns are masked
        kind = info.kind if info else None
        value = mask_expr(pl.col(name).cast(pl.String), sensitivity, kind).fill_null("∅")
        parts.append(value if len(columns) == 1 else pl.lit(f"{name}=") + value)
    if not parts:
        return pl.lit(None, dtype=pl.String)
    return pl.concat_str(parts, separator="; ") if len(parts) > 1 else parts[0]


def failure_rows(
    run_id: str, as_of: date, outcome: CheckOutcome, evaluated_at: datetime | None
) -> pd.DataFrame:
    """dq.failures rows of one check: every failing record, lineage kept, values masked.

    A check over many columns at once gives one row per failing record and offending column,
    named by the column (its English name), so each cell can be followed up.
    """
    if not outcome.failures:
        return pd.DataFrame(columns=_columns("failures"))
    check = outcome.check
    raw = pd.concat(outcome.failures, ignore_index=True)
    if check.rule.expectation not in MULTICOLUMN_EXPECTATIONS:
        return _failure_frame(run_id, as_of, outcome, raw, check.column, check.shown, evaluated_at)
    parts = []
    for column, flags in conditions.offending(raw, check.rule.expectation, check.kwargs).items():
        if flags.any():
            label = column.removesuffix(DELIVERED_SUFFIX)
            parts.append(_failure_frame(run_id, as_of, outcome, raw[flags.to_numpy()], label, (column,), evaluated_at))
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=_columns("failures"))


def _failure_frame(
    run_id: str,
    as_of: date,
    outcome: CheckOutcome,
    raw: pd.DataFrame,
    column: str | None,
    shown: tuple[str, ...],
    evaluated_at: datetime | None,
) -> pd.DataFrame:
    suite, check = outcome.suite, outcome.check
    attribute_source = f"{column}_source"  # library columns naming the source they came from
    wanted = [
        c for c in dict.fromkeys([*shown, suite.index_column, "source_file", "source_line", attribute_source])
        if c in raw
    ]
    frame = pl.from_pandas(raw[wanted].astype(object)).with_columns(pl.all().cast(pl.String))
    lineage = suite.lineage and "source_file" in frame.columns
    if attribute_source in frame.columns:
        source_expr = pl.col(attribute_source)
        department_expr = source_expr.str.split("__").list.first()
    else:
        source_expr = pl.lit(suite.source, dtype=pl.String)
        department_expr = pl.lit(suite.department, dtype=pl.String)
    out = frame.select(
        pl.lit(run_id).alias("run_id"),
        pl.lit(as_of).alias("as_of"),
        pl.lit(suite.stage).alias("stage"),
        pl.lit(suite.name).alias("suite"),
        pl.lit(suite.table).alias("table"),
        pl.lit(column, dtype=pl.String).alias("column"),
        pl.lit(check.rule.expectation).alias("expectation"),
        pl.lit(check.check_id).alias("check_id"),
        pl.lit(check.rule.dimension).alias("dimension"),
        pl.lit(check.rule.indicator).alias("indicator"),
        pl.lit(check.rule.severity).alias("severity"),
        pl.col(suite.index_column).cast(pl.String).alias("record_key"),
        department_expr.alias("department"),
        pl.lit(suite.library, dtype=pl.String).alias("library"),
        source_expr.alias("source"),
        (pl.col("source_file") if lineage else pl.lit(None, dtype=pl.String)).alias("source_file"),
        (pl.col("source_line") if lineage else pl.lit(None, dtype=pl.String)).cast(pl.String).alias("line"),
        _masked_value_expr(suite, shown, frame).alias("value"),
        pl.lit(evaluated_at).alias("evaluated_at"),
    )
    return out.to_pandas()


def _columns(table: str) -> list[str]:
    names = {
        "results": [
            "run_id", "as_of", "stage", "suite", "scope", "table", "column", "expectation",
            "check_id", "rule", "dimension", "indicator", "severity", "threshold", "baseline_rate", "reason",
            "department", "library", "source", "element_count", "elements_evaluated", "unexpected_count",
            "ratio", "success", "closes_gate", "evaluated_at",
        ],
        "failures": [
            "run_id", "as_of", "stage", "suite", "table", "column", "expectation",
            "check_id", "dimension", "indicator", "severity", "record_key", "department",
            "library", "source", "source_file", "line", "value", "evaluated_at",
        ],
    }
    return names[table]


def append(con: duckdb.DuckDBPyConnection, table: str, frame: pd.DataFrame | pl.DataFrame) -> int:
    """Append a frame to a dq table by column name; returns the rows added."""
    if len(frame) == 0:
        return 0
    con.register("_dq_append", frame)
    try:
        columns = ", ".join(f'"{c}"' for c in frame.columns)
        con.execute(f"insert into dq.{table} ({columns}) select {columns} from _dq_append")
    finally:
        con.unregister("_dq_append")
    return len(frame)


def write_outcomes(
    con: duckdb.DuckDBPyConnection, run_id: str, as_of: date, outcomes: list[CheckOutcome], policy: GatePolicy
) -> dict[str, int]:
    """Append a run's results and failures; returns how many rows of each were written."""
    ensure_tables(con)
    evaluated_at = now()
    results = append(con, "results", result_rows(run_id, as_of, outcomes, evaluated_at, policy))
    # one insert for the run (an insert per check cost a few milliseconds each, a thousand checks);
    # rows masked where the suite was validated only get the run's time here
    frames = [
        o.failure_frame.assign(run_id=run_id, evaluated_at=evaluated_at) if o.failure_frame is not None
        else failure_rows(run_id, as_of, o, evaluated_at)
        for o in outcomes
    ]
    frames = [f for f in frames if len(f)]
    failures = append(con, "failures", pd.concat(frames, ignore_index=True)) if frames else 0
    return {"results": results, "failures": failures}


def gate_row(run_id: str, as_of: date, library: str, failing: list[str], evaluated_at: datetime) -> dict[str, Any]:
    return {
        "run_id": run_id,
        "as_of": as_of,
        "library": library,
        "passed": not failing,
        "status": "pass" if not failing else "fail",
        "failing_checks": sorted(failing),
        "evaluated_at": evaluated_at,
    }


def score_rows(run_id: str, as_of: date, stage: str, outcomes: list[CheckOutcome]) -> pd.DataFrame:
    """Dimension scores (share of evaluated elements passing) per department and per library,
    over the current data (earlier deliveries are reported, not scored)."""
    rows: dict[tuple[str, str, str], list[int]] = {}
    for o in outcomes:
        if o.suite.scope == "history":
            continue  # scores describe the data as it is now
        scopes = [("department", o.suite.department), ("library", o.suite.library)]
        for scope, name in scopes:
            if not name:
                continue
            totals = rows.setdefault((scope, name, o.check.rule.dimension), [0, 0])
            totals[0] += o.evaluated
            totals[1] += o.evaluated - o.unexpected
    evaluated_at = now()
    frame = pd.DataFrame(
        [
            {
                "run_id": run_id,
                "as_of": as_of,
                "stage": stage,
                "scope": scope,
                "scope_name": name,
                "dimension": dimension,
                "elements_evaluated": total,
                "elements_passing": passing,
                "score": passing / total if total else None,
                "evaluated_at": evaluated_at,
            }
            for (scope, name, dimension), (total, passing) in sorted(rows.items())
        ],
        columns=[
            "run_id", "as_of", "stage", "scope", "scope_name", "dimension",
            "elements_evaluated", "elements_passing", "score", "evaluated_at",
        ],
    )
    return frame


def trend(con: duckdb.DuckDBPyConnection, stage: str, runs: int = 10) -> pd.DataFrame:
    """Overall score per dimension over the latest runs of a stage (all scopes pooled)."""
    scope = "department" if stage == "staging" else "library"
    per_run = con.execute(
        """
        with per_run as (
            select run_id, min(evaluated_at) over (partition by run_id) as evaluated_at, as_of,
                   dimension, elements_passing, elements_evaluated
            from dq.scores where stage = ? and scope = ?
        )
        select run_id, strftime(evaluated_at, '%Y-%m-%d %H:%M:%S') as evaluated_at,
               cast(as_of as varchar) as as_of, dimension,
               sum(elements_passing) / nullif(sum(elements_evaluated), 0) as score
        from per_run group by all
        """,
        [stage, scope],
    ).fetch_df()
    if per_run.empty:
        return per_run
    table = per_run.pivot_table(
        index=["evaluated_at", "run_id", "as_of"], columns="dimension", values="score", aggfunc="first"
    )
    table = table[[d for d in DIMENSIONS if d in table.columns]]
    return table.sort_index(ascending=False).head(runs).reset_index()
