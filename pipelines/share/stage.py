"""Sharing by the catalog: decide every request, write or remove packages, record each in
`catalog.share_requests` (decisions, one row per request per run) and the hash-chained
`catalog.share_log`."""

from __future__ import annotations

import shutil
from typing import Any

import duckdb
import polars as pl

from pipelines.catalog import Catalog
from pipelines.catalog.sources import department_names
from pipelines.settings import Settings
from pipelines.share import log
from pipelines.share.decide import HELD, Decision, decide_all, hold
from pipelines.share.files import load_approvals, load_requests
from pipelines.share.package import existing_packages, write_package

REQUESTS_TABLE = "catalog.share_requests"
_DDL = f"""
create table if not exists {REQUESTS_TABLE} (
    run_id varchar not null,
    as_of date not null,
    request_id varchar not null,
    request_file varchar not null,
    requester varchar,
    provider varchar,
    resource_code varchar,
    resource_table varchar,
    status varchar not null,
    reason varchar not null,
    items struct(item varchar, granted boolean, masked boolean, reason varchar)[],
    approval_file varchar,
    package varchar,
    row_count bigint
)
"""


def closed_libraries(con: duckdb.DuckDBPyConnection, settings: Settings, catalog: Catalog) -> set[str]:
    """Libraries whose data-quality gate is closed: nothing of them is shared (as nothing of them
    is opened) until a check passes again."""
    from pipelines.quality import gate_status

    libraries = {s.table.split(".")[0] for s in catalog.specs if s.table.startswith("lib_")}
    return {lib for lib in libraries if not gate_status(con, lib, settings)}


def share_with(
    con: duckdb.DuckDBPyConnection, settings: Settings, catalog: Catalog, run_id: str,
    held: set[str] | None = None,
) -> dict[str, Any]:
    """Decide every request of `settings.requests_path` against `catalog` and act on it.

    Requests for a resource of a library in `held` (quality gate closed; by default asked of
    `dq.gate`) are decided `held`: no package is written and an earlier one stays as it was.
    """
    held = closed_libraries(con, settings, catalog) if held is None else held
    root = settings.root
    requests = load_requests(settings.requests_path, root)
    approvals = load_approvals(settings.approvals_path, root)
    resources = {s.code: s for s in catalog.specs if s.code}
    decisions = [hold(d, held) for d in decide_all(requests, resources, department_names(), approvals, settings.as_of)]
    share_root = settings.share_path
    before = existing_packages(share_root)
    entries: list[log.Entry] = []
    rows = []
    served: set[tuple[str, str]] = set()
    for decision in decisions:
        consumer = decision.requester
        code = decision.resource.code if decision.resource else None
        entries.append(log.Entry("decision", decision.request_id, consumer, decision.provider, code, {
            "file": decision.request_file, "status": decision.status, "reason": decision.reason,
            "granted": [i.item for i in decision.granted_items],
            "masked": [i.item for i in decision.granted_items if i.masked],
            "approval": decision.approval.relative if decision.approval else None,
        }))
        package = None
        count = None
        if decision.serves_package and consumer:
            written = write_package(con, decision, share_root, run_id, settings.as_of)
            package, count = str(written["path"].relative_to(share_root)), written["rows"]
            served.add((consumer, decision.request_id))
            entries.append(log.Entry("package_written", decision.request_id, consumer, decision.provider, code, {
                "package": package, "rows": count, "files": written["files"],
                "manifest_sha256": written["manifest_sha256"],
            }))
        rows.append(_row(run_id, settings, decision, package, count))
    kept = {(d.requester, d.request_id) for d in decisions if d.status == HELD}
    for (consumer, request_id), folder in sorted(before.items()):
        if (consumer, request_id) in served or (consumer, request_id) in kept:
            continue
        why = next((f"{d.status}: {d.reason}" for d in decisions if d.request_id == request_id),
                    "its request file is gone")
        shutil.rmtree(folder)
        entries.append(log.Entry("package_removed", request_id, consumer, None, None,
                                 {"package": f"{consumer}/{request_id}", "reason": why}))
    con.execute("create schema if not exists catalog")
    con.execute(_DDL)
    if rows:
        frame = pl.DataFrame(rows, schema=_schema())  # noqa: F841 - read by DuckDB by name
        con.execute(f"insert into {REQUESTS_TABLE} select * from frame")
    new_head = log.append(con, entries, run_id, settings.as_of)
    counts: dict[str, int] = {}
    for d in decisions:
        counts[d.status] = counts.get(d.status, 0) + 1
    return {
        "requests": len(decisions),
        **{f"requests {k}": v for k, v in sorted(counts.items())},
        "packages": len(served),
        "packages removed": sum(1 for e in entries if e.event == "package_removed"),
        "share log head": f"{new_head[0]}:{new_head[1]}" if new_head else "(empty)",
    }


def _schema() -> dict[str, Any]:
    item = pl.Struct({"item": pl.String, "granted": pl.Boolean, "masked": pl.Boolean, "reason": pl.String})
    return {
        "run_id": pl.String, "as_of": pl.Date, "request_id": pl.String, "request_file": pl.String,
        "requester": pl.String, "provider": pl.String, "resource_code": pl.String, "resource_table": pl.String,
        "status": pl.String, "reason": pl.String, "items": pl.List(item), "approval_file": pl.String,
        "package": pl.String, "row_count": pl.Int64,
    }


def _row(run_id: str, settings: Settings, d: Decision, package: str | None, count: int | None) -> dict[str, Any]:
    return {
        "run_id": run_id, "as_of": settings.as_of, "request_id": d.request_id, "request_file": d.request_file,
        "requester": d.requester, "provider": d.provider,
        "resource_code": d.resource.code if d.resource else None,
        "resource_table": d.resource.table if d.resource else None,
        "status": d.status, "reason": d.reason,
        "items": [{"item": i.item, "granted": i.granted, "masked": i.masked, "reason": i.reason} for i in d.items],
        "approval_file": d.approval.relative if d.approval else None,
        "package": package, "row_count": count,
    }
