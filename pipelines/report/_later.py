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


# What the release checks before anything is published (pipelines/open_data/stage.py, scanner.py);
# shown with each report so auditors see what "nothing personal" was tested against.
OPEN_DATA_CHECKS = (
    "身份证号（18位，不论校验位；15位旧号） citizen ID numbers, 18 characters whatever their checksum, and legacy 15-digit ones",
    "手机号和固定电话（含 +86、空格、连字符等写法） mobiles and landlines in any spelling",
    "银行卡号（Luhn 校验） bank card numbers (Luhn)",
    "车牌号 vehicle plates",
    "电子邮箱 e-mail addresses",
    "居民姓名（法定代表人、经营者、负责人等公示字段除外） residents' names outside the publicity fields",
    "自然人个体记录一律不开放 record-level data about natural persons refused",
    "小数抑制及二次抑制 small cells suppressed, with secondary suppression against subtraction",
    "公式注入防护 formula-like cells neutralised",
)
ACTION_LABELS = {
    "released": "已发布 released",
    "withdrawn": "已撤回 withdrawn",
    "refused": "拒绝发布 refused",
    "skipped": "未构建 skipped",
}


def open_data_section(con: duckdb.DuckDBPyConnection, context: RunContext) -> dict[str, Any]:
    """开放数据 Open data: what the release of this run published (datasets, rows, suppressed
    cells, files with their hashes), withdrew or refused, and what every cell was checked for.

    The release is the one of the publish stage in force at this run (its chain run id names the
    rows of catalog.open_releases); a run whose publish did not release shows its latest release
    before it, named as such.
    """
    publish = context.in_force("publish")
    chain = publish.chain_run_id if publish else context.run_id
    (exists,) = con.execute(  # type: ignore[misc]
        "select count(*) from catalog.open_releases where run_id = ?", [chain]).fetchone()
    if not exists:
        row = con.execute("select run_id from catalog.open_releases order by as_of desc, run_id desc limit 1").fetchone()
        chain = row[0] if row else chain
    rows = rows_as_dicts(con.execute(
        """
        select dataset_id, resource_code, title, theme, action, reason, rows, suppressed_cells,
               len(files) as files, list_sum([f.bytes for f in files]) as bytes,
               [f.file || ' ' || f.sha256 for f in files if f.file = 'data.csv'][1] as csv_sha256
        from catalog.open_releases where run_id = ?
        order by action <> 'released', resource_code, dataset_id
        """, [chain]))
    for r in rows:
        r["action_label"] = ACTION_LABELS.get(r["action"], r["action"])
    released = [r for r in rows if r["action"] == "released"]
    return {
        "release_run": chain,
        "datasets": rows,
        "released": len(released),
        "rows": sum(int(r["rows"] or 0) for r in released),
        "suppressed_cells": sum(int(r["suppressed_cells"] or 0) for r in released),
        "withdrawn": sum(1 for r in rows if r["action"] == "withdrawn"),
        "refused": sum(1 for r in rows if r["action"] == "refused"),
        "checks": list(OPEN_DATA_CHECKS),
        "min_count": context.settings.open_min_count,
        "licence": context.settings.open_licence,
    }
