"""发现 Findings of the run, from the findings stage's tables (see INTERFACES: `dq.findings`,
`dq.finding_evidence`, `dq.finding_dispositions`, `dq.finding_rule_outcomes`).

The findings in force at a run are those of the latest findings stage run finished by then. A
disposition counts when it was recorded before the run ended, so a rebuilt report of an old run
shows what the auditors had decided at that time. Values are masked by the findings stage; the
evidence names the delivered file and line.
"""

from __future__ import annotations

from typing import Any

import duckdb

from pipelines.report._context import ChainRun, RunContext, rows_as_dicts
from pipelines.report._labels import (
    DISPOSITION_NAMES,
    SEVERITY_NAMES,
    SEVERITY_ORDER,
    STATUS_NAMES,
    dimension_label,
)
from pipelines.warehouse import table_exists

REQUIRES = ("dq.findings", "dq.finding_evidence")


def findings_run_id(context: RunContext, at: ChainRun | None = None) -> str:
    """The chain run whose findings were in force at run `at` (this run by default)."""
    row = context.in_force("findings", at)
    return row.chain_run_id if row is not None else (at or context.run).run_id


def _dispositions(con: duckdb.DuckDBPyConnection, context: RunContext) -> dict[str, dict[str, Any]]:
    if not table_exists(con, "dq.finding_dispositions"):
        return {}
    rows = rows_as_dicts(con.execute(
        """
        select finding_id, disposition, note, decided_by, decided_on from dq.finding_dispositions
        where recorded_at <= ?
        qualify row_number() over (partition by finding_id order by decided_on desc, recorded_at desc) = 1
        """,
        [context.run.finished],
    ))
    return {r["finding_id"]: r for r in rows}


def _outcomes(con: duckdb.DuckDBPyConnection, run_id: str) -> dict[str, dict[str, Any]]:
    if not table_exists(con, "dq.finding_rule_outcomes"):
        return {}
    rows = rows_as_dicts(con.execute(
        "select rule, rule_title, findings, confirmed, explained, false_alarm, precision "
        "from dq.finding_rule_outcomes where run_id = ?",
        [run_id],
    ))
    return {r["rule"]: r for r in rows}


def findings_by_severity(con: duckdb.DuckDBPyConnection, run_id: str) -> dict[str, int]:
    """Open and new findings per severity (closed ones are listed, not counted)."""
    counts = dict(con.execute(
        "select severity, count(*) from dq.findings where run_id = ? and status <> 'closed' group by severity",
        [run_id],
    ).fetchall())
    return {s: int(counts.get(s, 0)) for s in (*SEVERITY_ORDER, *sorted(set(counts) - set(SEVERITY_ORDER)))}


def findings_section(con: duckdb.DuckDBPyConnection, context: RunContext) -> dict[str, Any]:
    """Per rule: count, amount, precision so far; each finding with its evidence and disposition."""
    run_id = findings_run_id(context)
    findings = rows_as_dicts(con.execute(
        """
        select finding_id, rule, rule_title, dimension, severity, entity_kind, entity_id, summary,
               amount, measured, status, first_seen_run
        from dq.findings where run_id = ?
        order by rule, case severity when 'high' then 0 when 'medium' then 1 when 'low' then 2 else 3 end,
                 status = 'closed', amount desc nulls last, finding_id
        """,
        [run_id],
    ))
    evidence: dict[str, list[dict[str, Any]]] = {}
    for row in rows_as_dicts(con.execute(
        """
        select finding_id, role, source, record_id, source_file, line, detail
        from dq.finding_evidence where run_id = ?
        order by finding_id, role, source_file, try_cast(line as bigint) nulls last, line, record_id
        """,
        [run_id],
    )):
        evidence.setdefault(row.pop("finding_id"), []).append(row)
    decided = _dispositions(con, context)
    outcomes = _outcomes(con, run_id)
    rules: dict[str, dict[str, Any]] = {}
    for rule, outcome in outcomes.items():
        rules[rule] = {"rule": rule, "title": outcome["rule_title"], "findings": []}
    for finding in findings:
        rule = rules.setdefault(finding["rule"], {"rule": finding["rule"], "title": finding["rule_title"], "findings": []})
        disposition = decided.get(finding["finding_id"])
        finding.update(
            evidence=evidence.get(finding["finding_id"], []),
            disposition=disposition,
            disposition_label=DISPOSITION_NAMES.get(disposition["disposition"], disposition["disposition"]) if disposition else "待核实 undecided",
            severity_label=SEVERITY_NAMES.get(finding["severity"], finding["severity"]),
            status_label=STATUS_NAMES.get(finding["status"], finding["status"]),
            dimension_label=dimension_label(finding["dimension"] or ""),
        )
        rule["findings"].append(finding)
    for rule in rules.values():
        active = [f for f in rule["findings"] if f["status"] != "closed"]
        decisions = [f["disposition"]["disposition"] for f in rule["findings"] if f["disposition"]]
        confirmed, false_alarm = decisions.count("confirmed"), decisions.count("false_alarm")
        outcome = outcomes.get(rule["rule"])
        rule.update(
            count=len(active),
            closed=len(rule["findings"]) - len(active),
            amount=sum(f["amount"] or 0.0 for f in active),
            confirmed=int(outcome["confirmed"]) if outcome else confirmed,
            explained=int(outcome["explained"]) if outcome else decisions.count("explained"),
            false_alarm=int(outcome["false_alarm"]) if outcome else false_alarm,
            precision=(outcome["precision"] if outcome else
                       (confirmed / (confirmed + false_alarm) if confirmed + false_alarm else None)),
        )
    ordered = [rules[k] for k in sorted(rules)]
    return {
        "findings_run": run_id,
        "rules": ordered,
        "by_severity": findings_by_severity(con, run_id),
        "total": sum(r["count"] for r in ordered),
        "amount": sum(r["amount"] for r in ordered),
        "severity_names": SEVERITY_NAMES,
    }
