"""Publish: the resource catalog and sharing between departments by it (pipelines.catalog,
pipelines.share), then open data for the public (pipelines.open_data) from libraries whose
data-quality gate is open. A library whose gate is closed is refused: nothing of it is written,
and what was published before stays as it was."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import duckdb

from pipelines.settings import Settings
from pipelines.warehouse import connect, record_stage

if TYPE_CHECKING:
    from pipelines.catalog import Catalog


def run_publish(settings: Settings) -> dict[str, str]:
    """The catalog, sharing by it, then the open data it allows (`pipelines.open_data`): datasets
    of libraries whose gate is closed are refused and keep what was published before; a release
    that fails its checks stops with `OpenDataRefused` (after the catalog and sharing are done)."""
    from pipelines.open_data import publish_open_data

    outcome: dict[str, str] = {}
    with record_stage("publish", settings) as run:
        with connect(settings) as con:
            shared, catalog = _catalog_and_share(con, settings, run.chain_run_id)
            outcome.update(shared)
            if catalog is None:
                outcome["open data"] = "skipped: no catalog to open by"
            else:
                outcome.update({k: str(v) for k, v in publish_open_data(con, settings, run.chain_run_id, catalog).items()})
            read, files, rows = _released(con, settings, run.chain_run_id)
        run.rows_out = rows
        _emit_lineage(settings, run.chain_run_id, read, files)
        refused = [name for name, text in outcome.items() if text.startswith("refused")]
        if refused:
            run.message = "refused: " + ", ".join(refused)
    return outcome


def _released(con: duckdb.DuckDBPyConnection, settings: Settings, run_id: str) -> tuple[list[str], list[Path], int]:
    """The tables the open datasets released by this run read, their files, and their rows."""
    from pipelines.catalog import all_specs
    from pipelines.warehouse import table_exists

    if not table_exists(con, "catalog.open_releases"):
        return [], [], 0
    released = con.execute(
        "select dataset_id, resource_code, rows, [f.file for f in files] from catalog.open_releases "
        "where run_id = ? and action = 'released' order by dataset_id",
        [run_id],
    ).fetchall()
    specs = {s.code: s for s in all_specs(marts=settings.root / "dbt_project" / "models" / "marts")}
    read: list[str] = []
    files: list[Path] = []
    for dataset_id, code, _, names in released:
        spec = specs.get(code)
        if spec is not None:
            read.extend([spec.table, *(r for r in spec.related if r.startswith("lib_"))])
        files.extend(settings.open_path / dataset_id / name for name in names if name.startswith("data."))
    return sorted(set(read)), files, sum(int(r or 0) for _, _, r, _ in released)


def _emit_lineage(settings: Settings, chain_run_id: str, read: list[str], files: list[Path]) -> None:
    """The library tables read and the open files written (`pipelines.lineage`)."""
    from pipelines import lineage

    if files:
        lineage.emit_stage(
            settings,
            "publish",
            chain_run_id,
            inputs=[lineage.table_dataset(settings, t) for t in read],
            outputs=[lineage.file_dataset(f) for f in files],
        )


def _emit_share_lineage(con: duckdb.DuckDBPyConnection, settings: Settings, run_id: str) -> None:
    """Each share package the run wrote, and the table it was cut from (`pipelines.lineage`)."""
    from pipelines import lineage
    from pipelines.share.stage import REQUESTS_TABLE

    packages = con.execute(
        f"select resource_table, package from {REQUESTS_TABLE} "
        "where run_id = ? and package is not null and resource_table is not null order by package",
        [run_id],
    ).fetchall()
    if not packages:
        return
    folders = [settings.share_path / package for _, package in packages]
    lineage.emit_stage(
        settings,
        "share",
        run_id,
        inputs=[lineage.table_dataset(settings, table) for table, _ in packages],
        outputs=[lineage.file_dataset(folder / name) for folder in folders for name in ("data.parquet", "data.csv")],
    )


def catalog_and_share(con: duckdb.DuckDBPyConnection, settings: Settings, run_id: str) -> dict[str, str]:
    """The resource catalog (rules checked, tables and exports written) and sharing by it.

    A catalog whose sources break its rules is refused (the violations named; `govdata catalog`
    shows them all) and nothing is shared or opened by it.
    """
    return _catalog_and_share(con, settings, run_id)[0]


def _catalog_and_share(
    con: duckdb.DuckDBPyConnection, settings: Settings, run_id: str
) -> tuple[dict[str, str], Catalog | None]:
    """`catalog_and_share`, also returning the catalog built (None when refused)."""
    from pipelines.catalog import CatalogError, publish_catalog
    from pipelines.share.stage import share_with

    try:
        catalog, summary = publish_catalog(con, settings, run_id)
    except CatalogError as exc:
        first = "; ".join(exc.violations[:3])
        return {"catalog": f"refused: {len(exc.violations)} rule(s) broken: {first}",
                "share": "skipped: no catalog to share by"}, None
    shared = share_with(con, settings, catalog, run_id)
    _emit_share_lineage(con, settings, run_id)
    return {
        "catalog": f"{summary['resources']} resources, {summary['items']} items -> {summary['workbook']}",
        **{f"share: {key}": str(value) for key, value in shared.items()},
    }, catalog
