"""摘要 Summary: the run at a glance, and what needs action."""

from __future__ import annotations

from typing import Any

import duckdb

from pipelines.report._context import RunContext
from pipelines.report._findings import findings_by_severity, findings_run_id
from pipelines.report._labels import SEVERITY_NAMES, library_label
from pipelines.report._quality import check_run_ids, dimension_scores
from pipelines.report._reconciliation import reconciliation_section
from pipelines.warehouse import table_exists


def _gates(con: duckdb.DuckDBPyConnection, context: RunContext) -> list[dict[str, Any]] | None:
    checked = context.in_force("check_libraries")
    if checked is None or not table_exists(con, "dq.gate"):
        return None
    rows = con.execute(
        "select library, passed, failing_checks from dq.gate where run_id = ? order by library", [checked.run_id]
    ).fetchall()
    return [
        {"library": library, "label": library_label(library), "passed": bool(passed),
         "failing_checks": sorted(failing or [])}
        for library, passed, failing in rows
    ]


def _stages(context: RunContext) -> list[dict[str, Any]]:
    """Each stage of the run once: its last row (a stage run as mapped tasks, like the ingest
    per department, ends with a row that totals them)."""
    last: dict[str, Any] = {}
    for row in context.run.stages:
        if row.stage not in last or (row.finished_at or row.started_at) >= (last[row.stage].finished_at or last[row.stage].started_at):
            last[row.stage] = row
    ordered = sorted(last.values(), key=lambda s: (s.started_at, s.stage))
    return [
        {"stage": s.stage, "started_at": s.started_at, "finished_at": s.finished_at, "duration_s": s.duration_s,
         "rows_in": s.rows_in, "rows_out": s.rows_out, "outcome": s.outcome, "message": s.message}
        for s in ordered
    ]


def _actions(
    gates: list[dict[str, Any]] | None,
    failed_errors: int,
    severity: dict[str, int] | None,
    reconciliation: dict[str, Any],
) -> list[dict[str, str]]:
    actions = []
    for gate in gates or []:
        if not gate["passed"]:
            actions.append({"anchor": "scores", "text": (
                f"{gate['label']} 未通过发布闸门，暂停发布 gate closed, not published: "
                f"{len(gate['failing_checks'])} 项错误级检查未通过 error checks failing")})
    if failed_errors:
        actions.append({"anchor": "scores", "text": f"{failed_errors} 项错误级检查未通过 error-level checks failed their threshold"})
    for level in ("high", "medium"):
        n = (severity or {}).get(level, 0)
        if n:
            actions.append({"anchor": "findings", "text": f"{n} 项{SEVERITY_NAMES[level]}发现待核实处置 findings to follow up"})
    if reconciliation.get("recorded") and not reconciliation.get("balanced", True):
        actions.append({"anchor": "reconciliation", "text": "入库行数与原始表不符 rows held differ from the raw tables: see the marked sources"})
    rejected = len(reconciliation.get("rejected", []))
    if rejected:
        actions.append({"anchor": "reconciliation", "text": f"{rejected} 个文件被拒收，需部门重新报送 files rejected: ask the departments to deliver again"})
    late = reconciliation.get("late", [])
    missing = sum(1 for s in late if s["delivery"] == "missing")
    if late:
        actions.append({"anchor": "reconciliation", "text": (
            f"{len(late) - missing} 个数据源迟交、{missing} 个缺交 sources late ({len(late) - missing}) "
            f"or missing ({missing}) against their update cycle")})
    return actions


def summary_section(con: duckdb.DuckDBPyConnection, context: RunContext) -> dict[str, Any]:
    """As-of date, run, inputs, gates, dimension scores and their change, findings, actions."""
    scores = dimension_scores(con, check_run_ids(context))
    previous = context.previous
    before = dimension_scores(con, check_run_ids(context, previous)) if previous else None
    for dimension, cell in scores.items():
        old = before[dimension]["score"] if before else None
        cell["change"] = cell["score"] - old if cell["score"] is not None and old is not None else None
    failed_errors = 0
    checked = check_run_ids(context)
    if checked and table_exists(con, "dq.results"):
        marks = ", ".join("?" for _ in checked)
        failed_errors = int(con.execute(
            f"select count(*) from dq.results where run_id in ({marks}) and not success and severity = 'error'", checked
        ).fetchone()[0])  # type: ignore[index]
    severity = (
        findings_by_severity(con, findings_run_id(context)) if table_exists(con, "dq.findings") else None
    )
    reconciliation = reconciliation_section(con, context)
    totals = reconciliation.get("totals", {})
    gates = _gates(con, context)
    return {
        "as_of": context.settings.as_of,
        "run_id": context.run_id,
        "previous_run": previous.run_id if previous else None,
        "started": context.run.started,
        "finished": context.run.finished,
        "stages": _stages(context),
        "inputs": {
            "recorded": reconciliation.get("recorded", False),
            "departments": len([d for d in reconciliation.get("departments", []) if d["files_received"]]),
            "files": totals.get("files_received", 0),
            "rows_read": totals.get("rows_read", 0),
            "rows_held": totals.get("rows_held", 0),
        },
        "gates": gates,
        "scores": scores,
        "failed_error_checks": failed_errors,
        "findings_by_severity": severity,
        "actions": _actions(gates, failed_errors, severity, reconciliation),
    }
