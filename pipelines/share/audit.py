"""Checking and reading the sharing record: `verify` (the log's chain and every package's files),
`list_shares` (per consumer, what they receive and why) and `catalog_summary` (what the auditors'
report's 目录与共享 Catalog and sharing section shows)."""

from __future__ import annotations

import json
from typing import Any

import duckdb

from pipelines.settings import Settings
from pipelines.share import log
from pipelines.share.package import DATA_FILES, existing_packages, sha256
from pipelines.share.stage import REQUESTS_TABLE
from pipelines.warehouse import table_exists


def _written(con: duckdb.DuckDBPyConnection) -> dict[tuple[str, str], dict[str, Any]]:
    """The last package_written entry of each (consumer, request id), with its seq."""
    if not table_exists(con, log.LOG_TABLE):
        return {}
    rows = con.execute(
        f"""
        select consumer, request_id, seq, detail from {log.LOG_TABLE}
        where event = 'package_written'
        qualify row_number() over (partition by consumer, request_id order by seq desc) = 1
        """
    ).fetchall()
    return {(c, r): {"seq": s, **json.loads(d)} for c, r, s, d in rows}


def verify(con: duckdb.DuckDBPyConnection, settings: Settings, expected_head: str | None = None) -> list[str]:
    """Every mismatch, the first one first: the log's chain, then each package's files against
    its manifest and its manifest against the log. `expected_head` (a head auditors were given)
    must still be an entry of the log."""
    problems = log.verify_chain(con)
    if expected_head and not log.contains(con, expected_head):
        problems.append(f"share_log: the head {expected_head} is not in the log (the log was rewritten)")
    written = _written(con)
    for (consumer, request_id), folder in sorted(existing_packages(settings.share_path).items()):
        where = f"{consumer}/{request_id}"
        manifest_path = folder / "manifest.json"
        if not manifest_path.exists():
            problems.append(f"{where}/manifest.json: missing")
            continue
        entry = written.get((consumer, request_id))
        if entry is None:
            problems.append(f"{where}: no package_written entry in the share log")
        elif sha256(manifest_path) != entry["manifest_sha256"]:
            problems.append(f"{where}/manifest.json: does not match share_log entry {entry['seq']}")
        try:
            files = json.loads(manifest_path.read_text(encoding="utf-8"))["files"]
        except (ValueError, KeyError):
            problems.append(f"{where}/manifest.json: not a manifest")
            continue
        for name in DATA_FILES:
            path = folder / name
            if not path.exists():
                problems.append(f"{where}/{name}: missing")
            elif sha256(path) != files.get(name):
                problems.append(f"{where}/{name}: SHA-256 does not match the manifest")
    return problems


def _latest_run(con: duckdb.DuckDBPyConnection) -> str | None:
    if not table_exists(con, REQUESTS_TABLE):
        return None
    row = con.execute(
        f"select run_id from {REQUESTS_TABLE} join ({log_seq_query()}) using (run_id) order by last_seq desc limit 1"
    ).fetchone()
    return row[0] if row else None


def log_seq_query() -> str:
    return f"select run_id, max(seq) as last_seq from {log.LOG_TABLE} group by run_id"


def list_shares(con: duckdb.DuckDBPyConnection, run_id: str | None = None) -> list[dict[str, Any]]:
    """Per consumer and request (of the given run, else the latest): the resource, what is
    received (masked or clear) and why, and what was refused and why."""
    run_id = run_id or _latest_run(con)
    if run_id is None:
        return []
    rows = con.execute(
        f"""
        select requester, request_id, resource_code, resource_table, status, reason, items, package, row_count
        from {REQUESTS_TABLE} where run_id = ? order by requester nulls last, request_id
        """,
        [run_id],
    ).fetchall()
    out = []
    for consumer, request_id, code, table, status, reason, items, package, count in rows:
        out.append({
            "consumer": consumer, "request_id": request_id, "resource": code, "table": table,
            "status": status, "package": package, "rows": count,
            "receives": [f"{i['item']} ({'masked' if i['masked'] else 'clear'}): {i['reason']}" for i in items or [] if i["granted"]],
            "refused": [f"{i['item']}: {i['reason']}" for i in items or [] if not i["granted"]],
            "reason": reason,
        })
    return out


def catalog_summary(con: duckdb.DuckDBPyConnection, run_id: str) -> dict[str, Any]:
    """What the auditors' report's 目录与共享 Catalog and sharing section shows for a chain run.

    Returns a dict: `resources_by_sharing_type` (共享类型 -> count, by 类 too), `requests` (status ->
    count of the run's decisions), `packages` (one dict per package served in the run: consumer,
    request id, resource, rows), `log_head` (seq and SHA-256 of the log's last entry) and
    `log_head_of_run` (the last entry the run appended). A part whose table does not exist yet
    is None (the report shows "未运行 not run yet").
    """
    summary: dict[str, Any] = {"run_id": run_id, "resources_by_sharing_type": None, "requests": None,
                               "packages": None, "log_head": None, "log_head_of_run": None}
    if table_exists(con, "catalog.resources"):
        rows = con.execute(
            'select "类", "共享类型", count(*) from catalog.resources group by all order by 1, 2'
        ).fetchall()
        by_type: dict[str, int] = {}
        by_class: dict[str, dict[str, int]] = {}
        for category, kind, n in rows:
            by_type[kind] = by_type.get(kind, 0) + n
            by_class.setdefault(category, {})[kind] = n
        summary["resources_by_sharing_type"] = {"total": by_type, "by_category": by_class}
    if table_exists(con, REQUESTS_TABLE):
        summary["requests"] = dict(con.execute(
            f"select status, count(*) from {REQUESTS_TABLE} where run_id = ? group by 1 order by 1", [run_id]
        ).fetchall())
        summary["packages"] = [
            {"consumer": c, "request_id": r, "resource": code, "rows": n}
            for c, r, code, n in con.execute(
                f"select requester, request_id, resource_code, row_count from {REQUESTS_TABLE} "
                "where run_id = ? and package is not null order by 1, 2", [run_id]
            ).fetchall()
        ]
    current = log.head(con)
    if current:
        summary["log_head"] = {"seq": current[0], "sha256": current[1]}
        row = con.execute(
            f"select seq, entry_hash from {log.LOG_TABLE} where run_id = ? order by seq desc limit 1", [run_id]
        ).fetchone()
        summary["log_head_of_run"] = {"seq": row[0], "sha256": row[1]} if row else None
    return summary
