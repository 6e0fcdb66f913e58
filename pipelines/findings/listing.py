"""What `govdata findings list` shows: each finding's latest state, with its latest disposition."""

from __future__ import annotations

from typing import Any

import duckdb

from pipelines.warehouse import table_exists

STATUSES = ("new", "open", "closed")


def list_findings(con: duckdb.DuckDBPyConnection, rule: str | None = None, status: str | None = None
                  ) -> list[dict[str, Any]]:
    """Latest row of every finding (optionally one rule, one status), newest run first."""
    if not table_exists(con, "dq.findings"):
        return []
    rows = con.execute(
        """
        with latest as (
            select * from dq.findings
            qualify row_number() over (partition by finding_id order by run_id desc) = 1
        ),
        decided as (
            select finding_id, disposition, decided_by, decided_on from dq.finding_dispositions
            qualify row_number() over (partition by finding_id order by decided_on desc, recorded_at desc) = 1
        ),
        evidence as (
            select run_id, finding_id, count(*) as evidence_rows from dq.finding_evidence group by all
        )
        select l.finding_id, l.rule, l.severity, l.status, l.entity_kind, l.entity_id, l.amount, l.summary,
               l.first_seen_run, l.run_id, coalesce(e.evidence_rows, 0) as evidence_rows,
               d.disposition, d.decided_by, d.decided_on
        from latest l
        left join decided d using (finding_id)
        left join evidence e on e.run_id = l.run_id and e.finding_id = l.finding_id
        where ($rule is null or l.rule = $rule) and ($status is null or l.status = $status)
        order by l.rule, l.finding_id
        """,
        {"rule": rule, "status": status},
    ).fetchall()
    keys = ("finding_id", "rule", "severity", "status", "entity_kind", "entity_id", "amount", "summary",
            "first_seen_run", "run_id", "evidence_rows", "disposition", "decided_by", "decided_on")
    return [dict(zip(keys, row, strict=True)) for row in rows]


def refresh_outcomes(con: duckdb.DuckDBPyConnection) -> None:
    """Recompute the latest run's per-rule outcomes after a disposition was recorded."""
    from pipelines.findings.rules import RULES
    from pipelines.findings.store import write_outcomes

    latest = con.execute("select max(run_id) from dq.findings").fetchone()
    if latest and latest[0]:
        write_outcomes(con, latest[0], [(r.code, r.title) for r in RULES])
