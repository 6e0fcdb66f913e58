"""Build the catalog: the specs checked against the rules and the warehouse, then
`catalog.resources` and `catalog.items` (replaced on every build: they are generated, never
edited) and the exports under `data/catalog/`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import duckdb
import polars as pl

from pipelines.catalog.rules import CatalogError, check
from pipelines.catalog.sources import ResourceSpec, all_specs, department_names
from pipelines.catalog.template import DIMENSIONS, ITEM_FIELDS, RESOURCE_FIELDS
from pipelines.settings import Settings
from pipelines.warehouse import table_exists


@dataclass(frozen=True)
class Catalog:
    """The built catalog: its resources and items as frames (columns under template names)."""

    specs: tuple[ResourceSpec, ...]
    resources: pl.DataFrame
    items: pl.DataFrame

    def spec_by_code(self, code: str) -> ResourceSpec | None:
        return next((s for s in self.specs if s.code == code), None)


def warehouse_columns(con: duckdb.DuckDBPyConnection) -> dict[str, list[str]]:
    """Columns of every raw source table and every library table, in table order."""
    rows = con.execute(
        """
        select table_schema || '.' || table_name, column_name
        from information_schema.columns
        where (table_schema = 'raw' and table_name like '%\\_\\_%' escape '\\') or table_schema like 'lib\\_%' escape '\\' or table_schema = 'open_data'
        order by table_schema, table_name, ordinal_position
        """
    ).fetchall()
    out: dict[str, list[str]] = {}
    for table, column in rows:
        out.setdefault(table, []).append(column)
    return out


def _facts(con: duckdb.DuckDBPyConnection, specs: Sequence[ResourceSpec], present: set[str]) -> dict[str, dict[str, Any]]:
    """Row count, last delivery and the last check's score by dimension, per resource table."""
    facts: dict[str, dict[str, Any]] = {}
    for spec in specs:
        if spec.table not in present:
            facts[spec.table] = {"记录数": None, "最近交付日期": None}
            continue
        schema, name = spec.table.split(".", 1)
        quoted = f'"{schema}"."{name}"'
        if schema == "raw":
            count, last = con.execute(f"select count(*), max(_delivery_date)::date from {quoted}").fetchone()  # type: ignore[misc]
        else:
            count, last = con.execute(f"select count(*) from {quoted}").fetchone()[0], None  # type: ignore[index]
        facts[spec.table] = {"记录数": count, "最近交付日期": last}
    scores = _scores(con)
    for table, values in facts.items():
        for dimension in DIMENSIONS:
            values[f"{dimension}得分"] = scores.get((table, dimension))
    return facts


def _scores(con: duckdb.DuckDBPyConnection) -> dict[tuple[str, str], float]:
    """Share of elements passing per (table, dimension) in the latest check run of each stage."""
    if not table_exists(con, "dq.results"):
        return {}
    rows = con.execute(
        """
        with latest as (
            select stage, arg_max(run_id, evaluated_at) as run_id from dq.results group by stage
        )
        select case when r.source is not null and r.stage = 'staging' then 'raw.' || r.source
                    when r."table" like '%.%' then r."table"
                    else r.library || '.' || r."table" end as resource_table,
               r.dimension,
               round(sum(r.elements_evaluated - r.unexpected_count) / nullif(sum(r.elements_evaluated), 0), 4)
        from dq.results r join latest using (stage, run_id)
        where r.scope <> 'history'
        group by all
        """
    ).fetchall()
    return {(table, dimension): score for table, dimension, score in rows if table and score is not None}


def build_catalog(con: duckdb.DuckDBPyConnection, settings: Settings, specs: Sequence[ResourceSpec] | None = None) -> Catalog:
    """Check the rules (raising CatalogError naming every violation) and build the frames."""
    marts = settings.root / "dbt_project" / "models" / "marts"  # the project's own marts
    chosen = tuple(all_specs(marts=marts) if specs is None else specs)
    names = department_names()
    columns = warehouse_columns(con)
    violations = check(chosen, names, settings.county.departments, columns)
    if violations:
        raise CatalogError(violations)
    facts = _facts(con, chosen, set(columns))
    by_table = {s.table: s for s in chosen}
    resources, items = [], []
    for spec in sorted(chosen, key=lambda s: s.code or ""):
        row: dict[str, Any] = {
            "类": spec.category,
            "项": names.get(spec.subject, spec.subject) if spec.category == "部门信息资源" else spec.subject,
            "目": spec.topic,
            "信息资源名称": spec.name,
            "信息资源代码": spec.code,
            "信息资源提供方": names[spec.provider],
            "提供方代码": settings.county.departments[spec.provider],
            "信息资源摘要": spec.summary,
            "信息资源格式分类": spec.format_class,
            "信息资源格式类型": spec.format_type,
            "共享类型": spec.sharing_type,
            "共享条件": spec.sharing_condition or None,
            "共享方式": spec.sharing_method,
            "是否向社会开放": spec.open_attribute,
            "开放条件": spec.open_condition or None,
            "更新周期": spec.update_cycle,
            "发布日期": settings.as_of,
            "关联资源代码": [by_table[r].code for r in spec.related],
            "分类码": spec.classification_code,
            "顺序码": f"{spec.sequence:05d}",
            "提供方部门": spec.provider,
            "数据表": spec.table,
            **facts[spec.table],
        }
        resources.append(row)
        for number, item in enumerate(spec.items, start=1):
            items.append({
                "信息资源代码": spec.code,
                "信息资源名称": spec.name,
                "序号": number,
                "信息项名称": item.name_zh,
                "英文名称": item.name,
                "数据类型": item.data_type,
                "数据长度": item.length,
                "敏感级别": item.sensitivity,
                "共享类型": item.sharing_type,
                "共享条件": item.sharing_condition or None,
                "开放属性": item.open_attribute,
                "数据表": spec.table,
            })
    resource_schema = {h: pl.String for _, h in RESOURCE_FIELDS} | {
        "发布日期": pl.Date, "关联资源代码": pl.List(pl.String), "分类码": pl.String, "顺序码": pl.String,
        "提供方部门": pl.String, "数据表": pl.String, "记录数": pl.Int64, "最近交付日期": pl.Date,
        **{f"{d}得分": pl.Float64 for d in DIMENSIONS},
    }
    item_schema = {h: pl.String for _, h in ITEM_FIELDS} | {"序号": pl.Int64, "数据长度": pl.Int64, "数据表": pl.String}
    return Catalog(
        specs=chosen,
        resources=pl.DataFrame(resources, schema=resource_schema),
        items=pl.DataFrame(items, schema=item_schema),
    )


def write_tables(con: duckdb.DuckDBPyConnection, catalog: Catalog) -> None:
    """Replace catalog.resources and catalog.items (generated: never edited by hand)."""
    con.execute("create schema if not exists catalog")
    resources, items = catalog.resources, catalog.items  # noqa: F841 - read by DuckDB by name
    con.execute("create or replace table catalog.resources as select * from resources")
    con.execute("create or replace table catalog.items as select * from items")
