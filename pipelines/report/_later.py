"""Sections of the stages after the findings: the information systems library, the resource
catalog with sharing by it, and open data. Each reads its stage's tables; a missing table makes
the section "not run yet" (`_sections.Section.requires`)."""

from __future__ import annotations

from typing import Any

import duckdb

from pipelines.report._context import RunContext, rows_as_dicts

SYSTEMS_TABLES = (
    "lib_systems.information_system",
    "lib_systems.zombie_candidate",
    "lib_systems.shadow_candidate",
    "lib_systems.cloud_migration",
)
CATALOG_TABLES = ("catalog.resources", "catalog.items", "catalog.share_requests")
OPEN_DATA_TABLES = ("catalog.open_releases",)

REVIEW_LABELS = {
    "new": "待审 new",
    "keep": "保留 kept",
    "retire": "核销 retire",
    "merge": "整合 merge",
}


def systems_section(con: duckdb.DuckDBPyConnection, context: RunContext) -> dict[str, Any]:
    """信息系统 Systems: idle (zombie) and duplicated (shadow) candidates with their evidence, what
    retiring or merging them would save a year, and the cloud share against its target.

    The library is rebuilt by every build, so the section shows it as the warehouse holds it
    (the latest build); reviewers' decisions are in `review_status`.
    """
    systems = con.execute("select count(*) from lib_systems.information_system").fetchone()[0]  # type: ignore[index]
    zombies = rows_as_dicts(con.execute(
        """
        select system_code, system_name, owner, reasons, last_business_activity, annual_cost, review_status
        from lib_systems.zombie_candidate
        order by annual_cost desc nulls last, system_code
        """
    ))
    shadows = rows_as_dicts(con.execute(
        """
        select system_code_a, system_code_b, system_name_a, system_name_b, overlap, reasons,
               primary_system_code, secondary_system_code, secondary_annual_cost, review_status
        from lib_systems.shadow_candidate
        order by overlap desc, system_code_a, system_code_b
        """
    ))
    cloud = rows_as_dicts(con.execute(
        """
        select scope, unit, systems_in_use, systems_classified, systems_level_excluded, systems_fit,
               systems_fit_on_cloud, cloud_share, target_share, systems_to_move, meets_target
        from lib_systems.cloud_migration
        order by scope = 'county' desc, unit
        """
    ))
    for row in zombies + shadows:
        row["review_label"] = REVIEW_LABELS.get(row["review_status"], row["review_status"])
    open_zombies = [z for z in zombies if z["review_status"] != "keep"]
    open_shadows = [s for s in shadows if s["review_status"] != "keep"]
    return {
        "systems": int(systems),
        "zombies": zombies,
        "shadows": shadows,
        "savings_zombies": sum(float(z["annual_cost"] or 0) for z in open_zombies),
        "savings_shadows": sum(float(s["secondary_annual_cost"] or 0) for s in open_shadows),
        "county": next((c for c in cloud if c["scope"] == "county"), None),
        "departments": [c for c in cloud if c["scope"] != "county"],
    }


def catalog_section(con: duckdb.DuckDBPyConnection, context: RunContext) -> dict[str, Any]:
    """目录与共享 Catalog and sharing: resources by sharing type, the requests this run decided,
    the packages it served, and the share log's head as of this run (what auditors are given, so
    a rewritten log no longer matches)."""
    from pipelines.share import catalog_summary

    summary = catalog_summary(con, context.run_id)
    by_type = (summary["resources_by_sharing_type"] or {}).get("total", {})
    requests = summary["requests"] or {}
    return {
        "resources": sum(by_type.values()),
        "by_sharing_type": [{"type": k, "count": v} for k, v in sorted(by_type.items())],
        "by_category": [
            {"category": category, "counts": [{"type": k, "count": v} for k, v in sorted(kinds.items())]}
            for category, kinds in sorted(((summary["resources_by_sharing_type"] or {}).get("by_category") or {}).items())
        ],
        "requests": [{"status": k, "count": v} for k, v in sorted(requests.items())],
        "requests_total": sum(requests.values()),
        "packages": summary["packages"] or [],
        "log_head": summary["log_head_of_run"],
    }


def open_data_section(con: duckdb.DuckDBPyConnection, context: RunContext) -> dict[str, Any]:
    """开放数据 Open data: what was released (the open data issue fills this section)."""
    (n,) = con.execute("select count(*) from catalog.open_releases").fetchone()  # type: ignore[misc]
    return {"tables": [{"table": "catalog.open_releases", "rows": int(n)}]}
