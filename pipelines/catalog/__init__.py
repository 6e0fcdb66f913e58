"""The government information resource catalog (政务信息资源目录), generated on every build from
its one sources: the marts' `meta.catalog` (基础/主题 resources), the source contracts (部门
resources, one per `raw.<department>__<table>`) and the county profile (providers' credit codes).
Its rules are checked each time (`rules.py`); it is never edited by hand.

Entry: `run_catalog(settings)` (the CLI's `govdata catalog` and the publish stage).
"""

from __future__ import annotations

from typing import Any

import duckdb

from pipelines.catalog.build import Catalog, build_catalog, write_tables
from pipelines.catalog.export import write_json, write_workbook
from pipelines.catalog.rules import CatalogError, check
from pipelines.catalog.sources import ResourceSpec, all_specs
from pipelines.settings import Settings

__all__ = ["Catalog", "CatalogError", "ResourceSpec", "all_specs", "build_catalog", "check", "publish_catalog", "run_catalog"]


def publish_catalog(
    con: duckdb.DuckDBPyConnection, settings: Settings, run_id: str | None = None
) -> tuple[Catalog, dict[str, Any]]:
    """Build, check, store and export the catalog on an open (writable) connection; the exports
    name the chain run that built them (`run_id`)."""
    catalog = build_catalog(con, settings)
    write_tables(con, catalog)
    folder = settings.catalog_path
    folder.mkdir(parents=True, exist_ok=True)
    workbook = write_workbook(catalog, folder, settings.as_of, run_id)
    dcat = write_json(catalog, folder, settings.as_of, settings.county.name, run_id)
    kinds = catalog.resources.group_by("类").len().sort("类")
    summary: dict[str, Any] = {
        "resources": catalog.resources.height,
        "items": catalog.items.height,
        **{f"resources {k}": n for k, n in kinds.iter_rows()},
        "workbook": workbook,
        "dcat": dcat,
    }
    return catalog, summary


def run_catalog(settings: Settings) -> dict[str, Any]:
    """`govdata catalog`: the catalog alone (also part of `govdata publish`)."""
    from pipelines.warehouse import connect, record_stage

    with record_stage("catalog", settings) as run, connect(settings) as con:
        catalog, summary = publish_catalog(con, settings, run.chain_run_id)
        run.rows_out = catalog.resources.height
    return summary
