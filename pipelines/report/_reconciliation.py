"""核对 Reconciliation: what each department delivered against what the raw tables hold.

Per department and source, from the ingest ledger (append-only) and the raw tables:

    rows read       = rows loaded + rows quarantined          (every file that was loaded)
    rows loaded     − rows superseded = rows held             (superseded: loaded from a file a
                                                               later correction or redelivery replaced)
    rows held       = rows in raw.<source>                    (counted, not derived)

plus rejected files (with their reasons and rows), deferred files (delivered after the as-of
date), duplicates, each file's SHA-256, and whether each source's latest delivery is within its
update cycle. The counts are stored per run in `meta.reconciliation` when the report of the run
is first written (the raw tables and quarantine change with later deliveries; the stored counts
do not), and a rebuilt report reads them back.
"""

from __future__ import annotations

import json
import re
from datetime import date, timedelta
from typing import Any

import duckdb

from pipelines.contracts import all_contracts
from pipelines.contracts.schema import UpdateCycle
from pipelines.report._context import RunContext, rows_as_dicts
from pipelines.report._labels import department_names
from pipelines.standards import mask
from pipelines.warehouse import table_exists

# Days after the latest delivery by which the next one is due, per update cycle (更新周期).
CYCLE_DAYS = {
    UpdateCycle.REALTIME: 1,
    UpdateCycle.DAILY: 1,
    UpdateCycle.WEEKLY: 7,
    UpdateCycle.MONTHLY: 31,
    UpdateCycle.QUARTERLY: 92,
    UpdateCycle.YEARLY: 366,
}
EXAMPLES_PER_REASON = 3
NO_CONTRACT = ""  # source of files no contract matched

COUNT_COLUMNS = (
    "files_received", "files_loaded", "files_replaced", "files_duplicate", "files_deferred",
    "files_rejected", "rows_read", "rows_loaded", "rows_quarantined", "rows_superseded",
    "rows_held", "raw_rows", "rows_rejected",
)
DDL = f"""
create table if not exists meta.reconciliation (
    run_id varchar not null,
    as_of date not null,
    department varchar not null,
    source varchar not null,
    {", ".join(f"{name} bigint not null" for name in COUNT_COLUMNS)},
    update_cycle varchar,
    last_delivery date,
    due_by date,
    delivery varchar,
    details varchar not null
)
"""
_FIELD_SPLIT = re.compile(r"([,\t|;，、]+)")


def mask_raw_text(raw: str | None) -> str:
    """A quarantined row's text with every field masked (first character kept, length and
    separators kept): the row's shape shows why it was quarantined, no value leaves whole."""
    if raw is None:
        return ""
    parts = _FIELD_SPLIT.split(raw[:300])
    return "".join(part if i % 2 else (mask(part, "personal") or "") for i, part in enumerate(parts))


def _ledger(con: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    if not table_exists(con, "raw.ingest_ledger"):
        return []
    return rows_as_dicts(con.execute(
        """
        select seq, file, sha256, department, coalesce(source_table, '') as source, delivery_date,
               batch_id, status, replaces_batch_id, rows_read, rows_loaded, rows_quarantined,
               rows_rejected, reason
        from raw.ingest_ledger order by seq
        """
    ))


def _raw_rows(con: duckdb.DuckDBPyConnection, source: str) -> int:
    if not source or not table_exists(con, f"raw.{source}"):
        return 0
    return int(con.execute(f'select count(*) from raw."{source}"').fetchone()[0])  # type: ignore[index]


def _quarantine(con: duckdb.DuckDBPyConnection) -> dict[tuple[str, str], list[dict[str, Any]]]:
    """Per (department, source): quarantined rows held now, by reason, with masked examples."""
    if not table_exists(con, "raw.quarantine"):
        return {}
    rows = con.execute(
        f"""
        with q as (
            select department, source_table, reason, file, line, "column", raw,
                   count(*) over (partition by department, source_table, reason) as n,
                   row_number() over (partition by department, source_table, reason
                                      order by file, try_cast(line as bigint) nulls last, line) as k
            from raw.quarantine
        )
        select department, source_table, reason, n, file, line, "column", raw
        from q where k <= {EXAMPLES_PER_REASON}
        order by department, source_table, n desc, reason, k
        """
    ).fetchall()
    out: dict[tuple[str, str], dict[str, dict[str, Any]]] = {}
    for department, source, reason, n, file, line, column, raw in rows:
        entry = out.setdefault((department, source), {}).setdefault(
            reason, {"reason": reason, "rows": int(n), "examples": []}
        )
        entry["examples"].append({"file": file, "line": line, "column": column, "masked": mask_raw_text(raw)})
    return {key: list(value.values()) for key, value in out.items()}


def _delivery(contract_cycle: UpdateCycle | None, last: date | None, as_of: date) -> tuple[date | None, str]:
    if contract_cycle is None:
        return None, ""
    if last is None:
        return None, "missing"
    due = last + timedelta(days=CYCLE_DAYS[contract_cycle])
    return due, ("late" if as_of > due else "on_time")


def compute(con: duckdb.DuckDBPyConnection, context: RunContext) -> list[dict[str, Any]]:
    """The reconciliation rows of the warehouse as it stands (one per department and source)."""
    as_of = context.settings.as_of
    ledger = _ledger(con)
    replaced = {r["replaces_batch_id"] for r in ledger if r["replaces_batch_id"]}
    quarantine = _quarantine(con)
    contracts = {c.source: c for c in all_contracts()}
    groups: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for contract in contracts.values():
        groups.setdefault((contract.department, contract.source), [])
    for row in ledger:
        groups.setdefault((row["department"] or "", row["source"]), []).append(row)
    out = []
    for (department, source), attempts in sorted(groups.items()):
        latest: dict[str, dict[str, Any]] = {}
        for attempt in attempts:  # seq order: the last attempt of a file says where it stands
            latest[attempt["file"]] = attempt
        loading = [a for a in attempts if a["status"] in ("loaded", "replaced")]
        counts = {
            "files_received": len(latest),
            **{f"files_{s}": sum(1 for a in latest.values() if a["status"] == s)
               for s in ("loaded", "replaced", "duplicate", "deferred", "rejected")},
            "rows_read": sum(a["rows_read"] for a in loading),
            "rows_loaded": sum(a["rows_loaded"] for a in loading),
            "rows_quarantined": sum(a["rows_quarantined"] for a in loading),
            "rows_superseded": sum(a["rows_loaded"] for a in loading if a["batch_id"] in replaced),
            "rows_rejected": sum(a["rows_read"] for a in latest.values() if a["status"] == "rejected"),
            "raw_rows": _raw_rows(con, source),
        }
        counts["rows_held"] = counts["rows_loaded"] - counts["rows_superseded"]
        contract = contracts.get(source)
        delivered = [a["delivery_date"] for a in latest.values()
                     if a["delivery_date"] is not None and a["status"] != "deferred" and a["delivery_date"] <= as_of]
        last = max(delivered) if delivered else None
        due, delivery = _delivery(contract.update_cycle if contract else None, last, as_of)
        files = [
            {
                "file": a["file"], "sha256": a["sha256"], "delivery_date": a["delivery_date"],
                "status": a["status"] if not (a["batch_id"] in replaced) else "superseded",
                "rows_read": a["rows_read"], "rows_loaded": a["rows_loaded"],
                "rows_quarantined": a["rows_quarantined"], "reason": a["reason"],
            }
            for a in sorted(latest.values(), key=lambda a: a["file"])
        ]
        out.append({
            "run_id": context.run_id,
            "as_of": as_of,
            "department": department,
            "source": source,
            **counts,
            "update_cycle": contract.update_cycle.value if contract else None,
            "last_delivery": last,
            "due_by": due,
            "delivery": delivery,
            "details": json.dumps(
                {"files": files, "quarantine": quarantine.get((department, source), [])},
                ensure_ascii=False, sort_keys=True, default=str,
            ),
        })
    return out


def store(con: duckdb.DuckDBPyConnection, context: RunContext) -> int:
    """Compute and store the run's counts unless they are stored already (then the run's report
    is being rebuilt and reads what was stored). Rows are only written for the newest state:
    when an ingest ran after the run, the raw tables no longer show that run and nothing is
    stored. Returns the rows written."""
    con.execute(DDL)
    stored = con.execute(
        "select count(*) from meta.reconciliation where run_id = ?", [context.run_id]
    ).fetchone()[0]  # type: ignore[index]
    if stored or context.later_stage_ran("ingest"):
        return 0
    rows = compute(con, context)
    if not rows:
        return 0
    columns = list(rows[0])
    marks = ", ".join("?" for _ in columns)
    con.executemany(
        f"insert into meta.reconciliation ({', '.join(columns)}) values ({marks})",
        [[row[c] for c in columns] for row in rows],
    )
    return len(rows)


def reconciliation_section(con: duckdb.DuckDBPyConnection, context: RunContext) -> dict[str, Any]:
    """核对 Reconciliation of the run, from `meta.reconciliation`."""
    if not table_exists(con, "meta.reconciliation"):
        return {"recorded": False, "sources": [], "totals": {}}
    rows = rows_as_dicts(con.execute(
        "select * from meta.reconciliation where run_id = ? order by department, source", [context.run_id]
    ))
    names = department_names()
    contracts = {c.source: c for c in all_contracts()}
    sources = []
    for row in rows:
        details = json.loads(row.pop("details"))
        contract = contracts.get(row["source"])
        cycle = UpdateCycle(row["update_cycle"]) if row["update_cycle"] else None
        sources.append({
            **{k: v for k, v in row.items() if k not in ("run_id", "as_of")},
            "department_label": f"{names.get(row['department'], '')} {row['department']}".strip(),
            "source_label": (f"{contract.table_zh} {row['source']}" if contract
                             else (row["source"] or "未匹配合同 no contract")),
            "cycle_label": f"{cycle.name_zh} {cycle.value}" if cycle else "—",
            "cycle_days": CYCLE_DAYS[cycle] if cycle else None,
            "balanced": row["rows_held"] == row["raw_rows"] and row["rows_read"] == row["rows_loaded"] + row["rows_quarantined"],
            **details,
        })
    totals = {name: sum(int(s[name]) for s in sources) for name in COUNT_COLUMNS}
    departments: dict[str, dict[str, Any]] = {}
    for s in sources:
        d = departments.setdefault(s["department"], {"department": s["department"], "label": s["department_label"],
                                                      **{n: 0 for n in COUNT_COLUMNS}})
        for name in COUNT_COLUMNS:
            d[name] += int(s[name])
    return {
        "recorded": bool(rows),
        "sources": sources,
        "departments": [departments[k] for k in sorted(departments)],
        "totals": totals,
        "balanced": all(s["balanced"] for s in sources),
        "late": [s for s in sources if s["delivery"] in ("late", "missing")],
        "rejected": [dict(f, source=s["source"]) for s in sources for f in s["files"] if f["status"] == "rejected"],
        "deferred": [dict(f, source=s["source"]) for s in sources for f in s["files"] if f["status"] == "deferred"],
        "cycle_days": {f"{c.name_zh} {c.value}": d for c, d in CYCLE_DAYS.items()},
    }
