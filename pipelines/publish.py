"""Publish: open data for the public (aggregates, no personal data) from libraries whose
data-quality gate is open. A library whose gate is closed is refused: nothing of it is written,
and what was published before stays as it was. Then the resource catalog and sharing between
departments by it (pipelines.catalog, pipelines.share)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import duckdb
import polars as pl

from pipelines.exports import write_csv, write_json
from pipelines.settings import Settings
from pipelines.warehouse import connect, record_stage


@dataclass(frozen=True)
class OpenDataset:
    """An open dataset: the library it comes from and the query that builds it."""

    name: str
    library: str
    title_zh: str
    build: Callable[[duckdb.DuckDBPyConnection, Settings], pl.DataFrame]
    reads: tuple[str, ...] = ()
    """The library tables the query reads (its lineage)."""


def population_by_township(con: duckdb.DuckDBPyConnection, settings: Settings) -> pl.DataFrame:
    """Registered population per township and gender: counts only, small cells suppressed
    (`suppress_small_counts`), so that no person is identifiable."""
    townships = pl.DataFrame(
        {
            "township_code": [t.code for t in settings.county.townships],
            "township_name": [t.name for t in settings.county.townships],
        }
    )
    counts = con.execute(
        """
        select township_code,
               count(*) as population,
               count(*) filter (where gender = '1') as male,
               count(*) filter (where gender = '2') as female
        from lib_population.person
        where township_code is not null and coalesce(register_status, '正常') = '正常'
        group by township_code
        """
    ).pl()
    frame = (
        townships.join(counts, on="township_code", how="left")
        .with_columns(pl.col("population", "male", "female").fill_null(0).cast(pl.Int64))
        .sort("township_code")
    )
    return suppress_small_counts(frame, "population", ["male", "female"], settings.open_min_count).with_columns(
        pl.lit(settings.as_of).alias("as_of")
    )


def suppress_small_counts(frame: pl.DataFrame, total: str, parts: list[str], minimum: int) -> pl.DataFrame:
    """Empty every count from 1 to `minimum - 1` (statistical disclosure control: in a cell of
    two people each one is close to named), and every part of a row where one part is emptied
    (else the total minus the others gives it back); a total under the minimum empties its
    whole row. `suppressed` says which rows lost counts, so that empty never reads as zero."""
    def small(name: str) -> pl.Expr:
        return pl.col(name).is_between(1, minimum - 1)

    whole = small(total)
    split = whole | pl.any_horizontal(small(p) for p in parts)
    return frame.with_columns(
        pl.when(~whole).then(pl.col(total)).alias(total),
        *(pl.when(~split).then(pl.col(p)).alias(p) for p in parts),
        split.alias("suppressed"),
    )


OPEN_DATASETS = (
    OpenDataset(
        name="population_by_township",
        library="lib_population",
        title_zh="各乡镇（街道）户籍人口数",
        build=population_by_township,
        reads=("lib_population.person",),
    ),
)


def _gate_open(con: duckdb.DuckDBPyConnection, library: str) -> bool:
    from pipelines.quality import gate_status

    return gate_status(con, library)


def run_publish(settings: Settings) -> dict[str, str]:
    """Write every open dataset whose library's gate is open; report the refused ones."""
    outcome: dict[str, str] = {}
    with record_stage("publish", settings) as run:
        written_rows = 0
        read: list[str] = []
        files: list[Path] = []
        with connect(settings) as con:
            for dataset in OPEN_DATASETS:
                if not _library_present(con, dataset.library):
                    outcome[dataset.name] = f"skipped: {dataset.library} not built"
                    continue
                if not _gate_open(con, dataset.library):
                    outcome[dataset.name] = f"refused: the {dataset.library} quality gate is closed"
                    continue
                frame = dataset.build(con, settings)
                target: Path = settings.open_path / dataset.name
                write_csv(frame, target.with_suffix(".csv"))
                write_json(frame, target.with_suffix(".json"))
                read.extend(dataset.reads)
                files.extend((target.with_suffix(".csv"), target.with_suffix(".json")))
                written_rows += frame.height
                outcome[dataset.name] = f"{frame.height} rows -> {target}.csv"
            outcome.update(catalog_and_share(con, settings, run.chain_run_id))
        run.rows_out = written_rows
        _emit_lineage(settings, run.chain_run_id, read, files)
        refused = [name for name, text in outcome.items() if text.startswith("refused")]
        if refused:
            run.message = "refused: " + ", ".join(refused)
    return outcome


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


def _library_present(con: duckdb.DuckDBPyConnection, library: str) -> bool:
    row = con.execute(
        "select count(*) from information_schema.tables where table_schema = ?", [library]
    ).fetchone()
    return bool(row and row[0])


def catalog_and_share(con: duckdb.DuckDBPyConnection, settings: Settings, run_id: str) -> dict[str, str]:
    """The resource catalog (rules checked, tables and exports written) and sharing by it.

    A catalog whose sources break its rules is refused (the violations named; `govdata catalog`
    shows them all) and nothing is shared by it; the open data above is published regardless.
    """
    from pipelines.catalog import CatalogError, publish_catalog
    from pipelines.share.stage import share_with

    try:
        catalog, summary = publish_catalog(con, settings, run_id)
    except CatalogError as exc:
        first = "; ".join(exc.violations[:3])
        return {"catalog": f"refused: {len(exc.violations)} rule(s) broken: {first}",
                "share": "skipped: no catalog to share by"}
    shared = share_with(con, settings, catalog, run_id)
    _emit_share_lineage(con, settings, run_id)
    return {
        "catalog": f"{summary['resources']} resources, {summary['items']} items -> {summary['workbook']}",
        **{f"share: {key}": str(value) for key, value in shared.items()},
    }
