"""Sections of later stages (systems, catalog and sharing, open data): the tables each reads,
counted. When a stage lands, its issue replaces the query with its own and fills its block."""

from __future__ import annotations

from typing import Any

import duckdb

from pipelines.report._context import RunContext

SYSTEMS_TABLES = ("lib_systems.information_system", "lib_systems.zombie_candidate", "lib_systems.shadow_candidate")
CATALOG_TABLES = ("catalog.resources", "catalog.items", "catalog.share_requests")
OPEN_DATA_TABLES = ("catalog.open_releases",)


def _counts(con: duckdb.DuckDBPyConnection, tables: tuple[str, ...]) -> dict[str, Any]:
    rows = []
    for qualified in tables:
        schema, _, table = qualified.partition(".")
        (n,) = con.execute(f'select count(*) from "{schema}"."{table}"').fetchone()  # type: ignore[misc]
        rows.append({"table": qualified, "rows": int(n)})
    return {"tables": rows}


def systems_section(con: duckdb.DuckDBPyConnection, context: RunContext) -> dict[str, Any]:
    """信息系统 Systems: the inventory and its idle (zombie) and duplicated (shadow) candidates."""
    return _counts(con, SYSTEMS_TABLES)


def catalog_section(con: duckdb.DuckDBPyConnection, context: RunContext) -> dict[str, Any]:
    """目录与共享 Catalog and sharing: resources, items and share requests."""
    return _counts(con, CATALOG_TABLES)


def open_data_section(con: duckdb.DuckDBPyConnection, context: RunContext) -> dict[str, Any]:
    """开放数据 Open data: what was released."""
    return _counts(con, OPEN_DATA_TABLES)
