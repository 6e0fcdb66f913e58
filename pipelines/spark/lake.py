"""The lake: Parquet tables under `settings.lake_path`, shared by Spark and DuckDB.

Layout (the Spark session's warehouse directory is the lake):
- `raw/<source>/delivery=<date>/`: `govdata export-raw` of the raw tables;
- `<schema>.db/<table>/`: the tables dbt builds on Spark (staging, lib_*) and the `er`/`dq` tables
  the Python stages write for the Spark models (`write_lake_table`).

Spark's own catalog lives in the session (no Hive metastore is needed on one machine), so every
session first registers what the lake already holds (`register_lake_tables`): the raw exports,
and each `<schema>.db/<table>` folder written by an earlier process. The later stages (checks,
findings, publish, report) stay one DuckDB implementation: `publish_duckdb_views` replaces the
warehouse's tables of those schemas with views over the lake's Parquet.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl

from pipelines.settings import Settings

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

RAW_FOLDER = "raw"


def raw_export_path(settings: Settings) -> Path:
    return settings.lake_path / RAW_FOLDER


def table_path(settings: Settings, schema: str, table: str) -> Path:
    """Where Spark keeps a table of `schema` (its warehouse directory's `<schema>.db/<table>`)."""
    return settings.lake_path / f"{schema}.db" / table


def lake_tables(settings: Settings, schemas: Iterable[str] | None = None) -> list[tuple[str, str]]:
    """(schema, table) of every table folder in the lake that holds Parquet data."""
    wanted = set(schemas) if schemas is not None else None
    found = []
    for schema_dir in sorted(settings.lake_path.glob("*.db")):
        schema = schema_dir.name[: -len(".db")]
        if wanted is not None and schema not in wanted:
            continue
        for table_dir in sorted(p for p in schema_dir.iterdir() if p.is_dir() and not p.name.startswith((".", "_"))):
            if any(table_dir.rglob("*.parquet")):
                found.append((schema, table_dir.name))
    return found


def _sql_path(path: Path) -> str:
    return str(path.resolve()).replace("'", "\\'")


def register_lake_tables(spark: SparkSession, settings: Settings) -> int:
    """Make the lake's tables known to this session: the raw exports as `raw.<source>`, every
    other `<schema>.db/<table>` folder as `<schema>.<table>` (unless this session has it)."""
    from pipelines.spark.export_raw import raw_sources

    count = 0
    raw = raw_export_path(settings)
    spark.sql("create database if not exists raw")
    for source, _ in raw_sources():
        folder = raw / source
        if not folder.exists():
            continue
        spark.sql(f"drop table if exists raw.`{source}`")
        spark.sql(f"create table raw.`{source}` using parquet location '{_sql_path(folder)}'")
        # a partitioned table's partitions (deliveries) are listed in the session's catalog
        spark.sql(f"alter table raw.`{source}` recover partitions")
        count += 1
    for schema, table in lake_tables(settings):
        spark.sql(f"create database if not exists `{schema}`")
        if spark.catalog.tableExists(f"{schema}.{table}"):
            spark.sql(f"refresh table `{schema}`.`{table}`")
            continue
        spark.sql(
            f"create table `{schema}`.`{table}` using parquet location '{_sql_path(table_path(settings, schema, table))}'"
        )
        count += 1
    return count


def write_lake_table(spark: SparkSession | None, settings: Settings, schema: str, table: str, frame: pl.DataFrame) -> Path:
    """Replace the lake table `<schema>.<table>` with `frame` (one Parquet file, swapped in whole),
    and (re)register it on `spark` when a session is given."""
    folder = table_path(settings, schema, table)
    partial = folder.with_name(f".{table}.partial")
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    frame.write_parquet(partial / "part-0.parquet")
    old = folder.with_name(f".{table}.old")
    shutil.rmtree(old, ignore_errors=True)
    if folder.exists():
        folder.rename(old)
    partial.rename(folder)
    shutil.rmtree(old, ignore_errors=True)
    if spark is not None:
        spark.sql(f"create database if not exists `{schema}`")
        spark.sql(f"drop table if exists `{schema}`.`{table}`")
        spark.sql(f"create table `{schema}`.`{table}` using parquet location '{_sql_path(folder)}'")
    return folder


def publish_duckdb_views(settings: Settings, schemas: Iterable[str]) -> list[str]:
    """Point the warehouse's `<schema>.<table>` at the lake: each lake table of `schemas` becomes
    a DuckDB view over its Parquet files (a table of the same name from a DuckDB build is
    replaced), so checks, findings, publish and report read Spark's results unchanged."""
    from pipelines.warehouse import connect

    wanted = list(schemas)
    names = []
    with connect(settings) as con:
        for schema in wanted:
            con.execute(f'create schema if not exists "{schema}"')
            existing = dict(
                con.execute(
                    "select table_name, table_type from information_schema.tables where table_schema = ?", [schema]
                ).fetchall()
            )
            present = {t for s, t in lake_tables(settings, [schema])}
            for table, kind in existing.items():
                if table in present or kind == "BASE TABLE":
                    keyword = "view" if kind == "VIEW" else "table"
                    con.execute(f'drop {keyword} if exists "{schema}"."{table}"')
            for table in sorted(present):
                files = str((table_path(settings, schema, table) / "**" / "*.parquet").resolve()).replace("'", "''")
                con.execute(
                    f'create view "{schema}"."{table}" as select * from read_parquet(\'{files}\', hive_partitioning = false)'
                )
                names.append(f"{schema}.{table}")
    return names
