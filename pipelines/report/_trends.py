"""趋势 Trends: each dimension's score and the findings per rule over the runs up to this one."""

from __future__ import annotations

from typing import Any

import duckdb

from pipelines.report._context import RunContext
from pipelines.report._findings import findings_run_id
from pipelines.report._quality import check_run_ids, dimension_scores
from pipelines.warehouse import table_exists


def trends_section(con: duckdb.DuckDBPyConnection, context: RunContext) -> dict[str, Any]:
    """Per run (oldest first): the pooled score of each dimension and the open findings per rule."""
    scores: list[dict[str, Any]] = []
    findings: list[dict[str, Any]] = []
    has_findings = table_exists(con, "dq.findings")
    for run in context.history:
        for dimension, cell in dimension_scores(con, check_run_ids(context, run)).items():
            if cell["score"] is not None:
                scores.append({"run": run.run_id, "started": run.started, "dimension": cell["label"], "score": cell["score"]})
        if has_findings:
            rows = con.execute(
                "select rule, count(*) from dq.findings where run_id = ? and status <> 'closed' group by rule order by rule",
                [findings_run_id(context, run)],
            ).fetchall()
            findings += [{"run": run.run_id, "started": run.started, "rule": rule, "findings": int(n)} for rule, n in rows]
    return {
        "runs": [r.run_id for r in context.history],
        "single_run": len(context.history) < 2,
        "scores": scores,
        "findings": findings,
        "findings_recorded": has_findings,
    }
