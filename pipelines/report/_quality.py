"""Quality numbers from `dq.results`: scores per dimension, per department and per library.

Score of a cell = Σ (elements evaluated − unexpected) / Σ elements evaluated over the cell's
checks (GB/T 36344: each indicator is a ratio X = A / B of the elements evaluated), over the data
as it is now (checks of earlier deliveries, scope `history`, are listed but not scored): the same
rule as `dq.scores` and the Data Docs index.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb

from pipelines.quality.docs import DOCS_FOLDER
from pipelines.report._context import ChainRun, RunContext, rows_as_dicts
from pipelines.report._labels import department_label, dimension_label, dimensions, library_label
from pipelines.warehouse import table_exists

THRESHOLD_RULE = (
    "阈值 threshold = 须通过的最低比例 the share of evaluated elements that must pass (GX `mostly`); "
    "允许异常率 allowed rate = 1 − 阈值; 异常率 ≤ 允许异常率 即通过 a check passes when its rate of unexpected "
    "elements is at most the allowed rate"
)
SCORE_FORMULA = "得分 score = Σ(评估元素 − 异常元素) / Σ评估元素 = Σ(elements evaluated − unexpected) / Σ elements evaluated"
CHECK_STAGES = {"check_staging": "staging", "check_libraries": "libraries"}
WORST_PER_CELL = 3


def check_run_ids(context: RunContext, at: ChainRun | None = None) -> list[str]:
    """The check runs (dq.results.run_id) in force at a run: the latest of each check stage."""
    found = [context.in_force(stage, at) for stage in CHECK_STAGES]
    return sorted(r.run_id for r in found if r is not None)


def _marks(values: list[str]) -> str:
    return ", ".join("?" for _ in values) or "null"


def dimension_scores(con: duckdb.DuckDBPyConnection, run_ids: list[str]) -> dict[str, dict[str, Any]]:
    """Per dimension (all six, in order): checks, elements evaluated and passing, score."""
    found: dict[str, dict[str, Any]] = {}
    if run_ids and table_exists(con, "dq.results"):
        rows = con.execute(
            f"""
            select dimension, count(*) as checks,
                   sum(elements_evaluated) as evaluated,
                   sum(elements_evaluated - unexpected_count) as passing,
                   count(*) filter (where not success) as failed,
                   sum(unexpected_count) as unexpected
            from dq.results where run_id in ({_marks(run_ids)}) and scope <> 'history'
            group by dimension
            """,
            run_ids,
        ).fetchall()
        found = {r[0]: {"checks": r[1], "evaluated": r[2], "passing": r[3], "failed": r[4], "unexpected": r[5]} for r in rows}
    out = {}
    for dimension in dimensions():
        cell = found.get(dimension, {"checks": 0, "evaluated": 0, "passing": 0, "failed": 0, "unexpected": 0})
        cell = {k: int(v or 0) for k, v in cell.items()}
        cell["score"] = cell["passing"] / cell["evaluated"] if cell["evaluated"] else None
        cell["label"] = dimension_label(dimension)
        out[dimension] = cell
    return out


def docs_links(context: RunContext, run_ids: list[str]) -> dict[tuple[str, str], str]:
    """(check run id, suite) -> the suite's Data Docs page, relative to the report folder."""
    root = context.settings.reports_path / DOCS_FOLDER
    links: dict[tuple[str, str], str] = {}
    if not root.is_dir():
        return links
    for run_id in run_ids:
        for folder in sorted(root.glob(f"*_{run_id}")):
            for page in sorted(folder.glob("*.html")):
                if page.name != "index.html":
                    links[(run_id, page.stem)] = Path("..", DOCS_FOLDER, folder.name, page.name).as_posix()
    return links


def check_rows(con: duckdb.DuckDBPyConnection, context: RunContext, run_ids: list[str]) -> list[dict[str, Any]]:
    """Every check of the run that found something (unexpected values or a failure), worst first,
    each with its threshold and whether its observed rate passed it."""
    if not run_ids or not table_exists(con, "dq.results"):
        return []
    rows = rows_as_dicts(con.execute(
        f"""
        select run_id, stage, suite, scope, "table", "column", rule, expectation, check_id, dimension,
               indicator, severity, threshold, reason, department, library, source,
               elements_evaluated, unexpected_count, ratio, success, closes_gate
        from dq.results
        where run_id in ({_marks(run_ids)}) and (unexpected_count > 0 or not success)
        order by success, unexpected_count desc, suite, check_id
        """,
        run_ids,
    ))
    links = docs_links(context, run_ids)
    for row in rows:
        row["docs"] = links.get((row["run_id"], row["suite"]))
        row["dimension_label"] = dimension_label(row["dimension"])
        row["passed"] = bool(row["success"])
        row["allowed_rate"] = 1.0 - row["threshold"]
    return rows


def clean_checks(con: duckdb.DuckDBPyConnection, run_ids: list[str]) -> list[dict[str, Any]]:
    """The checks of the run that found nothing, each with its threshold (listed for completeness)."""
    if not run_ids or not table_exists(con, "dq.results"):
        return []
    rows = rows_as_dicts(con.execute(
        f"""
        select suite, "column", rule, dimension, severity, elements_evaluated, threshold
        from dq.results
        where run_id in ({_marks(run_ids)}) and unexpected_count = 0 and success
        order by suite, "column" nulls first, rule, check_id
        """,
        run_ids,
    ))
    for row in rows:
        row["dimension_label"] = dimension_label(row["dimension"])
    return rows


def _matrix(con: duckdb.DuckDBPyConnection, run_ids: list[str], scope: str, checks: list[dict[str, Any]]) -> dict[str, Any]:
    label = department_label if scope == "department" else library_label
    rows = con.execute(
        f"""
        select "{scope}" as name, dimension, count(*) as checks, sum(elements_evaluated) as evaluated,
               sum(elements_evaluated - unexpected_count) as passing
        from dq.results
        where run_id in ({_marks(run_ids)}) and scope <> 'history' and "{scope}" is not null
        group by all order by all
        """,
        run_ids,
    ).fetchall()
    cells: dict[str, dict[str, dict[str, Any]]] = {}
    for name, dimension, n, evaluated, passing in rows:
        cells.setdefault(name, {})[dimension] = {
            "checks": int(n), "evaluated": int(evaluated or 0), "passing": int(passing or 0),
            "score": (passing / evaluated) if evaluated else None,
        }
    worst: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for check in checks:
        key = (check[scope], check["dimension"])
        if check["scope"] != "history" and check[scope] and check["unexpected_count"] > 0:
            bucket = worst.setdefault(key, [])
            if len(bucket) < WORST_PER_CELL:
                bucket.append({k: check[k] for k in (
                    "suite", "column", "rule", "unexpected_count", "elements_evaluated", "ratio",
                    "threshold", "allowed_rate", "passed", "docs", "severity",
                )})
    table = []
    for name in sorted(cells):
        table.append({
            "name": name,
            "label": label(name),
            "cells": [
                {**cells[name].get(d, {"checks": 0, "evaluated": 0, "passing": 0, "score": None}),
                 "dimension": d, "worst": worst.get((name, d), [])}
                for d in dimensions()
            ],
        })
    return {"rows": table, "dimensions": [dimension_label(d) for d in dimensions()]}


def scores_section(con: duckdb.DuckDBPyConnection, context: RunContext) -> dict[str, Any]:
    """质量评分 Scores: department x dimension and library x dimension, worst checks per cell."""
    run_ids = check_run_ids(context)
    checks = check_rows(con, context, run_ids)
    total = con.execute(
        f"select count(*) from dq.results where run_id in ({_marks(run_ids)})", run_ids
    ).fetchone()[0] if run_ids else 0  # type: ignore[index]
    return {
        "formula": SCORE_FORMULA,
        "threshold_rule": THRESHOLD_RULE,
        "check_runs": run_ids,
        "departments": _matrix(con, run_ids, "department", checks) if run_ids else {"rows": [], "dimensions": []},
        "libraries": _matrix(con, run_ids, "library", checks) if run_ids else {"rows": [], "dimensions": []},
        "checks": [
            {k: v for k, v in c.items() if k not in ("run_id",)} for c in checks
        ],
        "clean": clean_checks(con, run_ids),
        "checks_total": int(total),
        "checks_clean": int(total) - len(checks),
    }
