"""Comparing a table of the Spark build (the lake's Parquet) with DuckDB's, read through DuckDB."""

from __future__ import annotations

import duckdb

from pipelines.settings import Settings
from pipelines.spark import lake


def lake_relation(settings: Settings, schema: str, table: str) -> str:
    """The lake's table as a DuckDB relation (its Parquet files, partitions not as columns)."""
    files = str(lake.table_path(settings, schema, table) / "**" / "*.parquet").replace("'", "''")
    return f"read_parquet('{files}', hive_partitioning = false)"


def differences(con: duckdb.DuckDBPyConnection, left: str, right: str) -> tuple[int, int]:
    """Rows only in `left` and only in `right`, as multisets (`except all` both ways: a
    row-for-row comparison after sorting)."""
    only_left = con.execute(f"select count(*) from (select * from {left} except all select * from {right})").fetchone()
    only_right = con.execute(f"select count(*) from (select * from {right} except all select * from {left})").fetchone()
    return int(only_left[0]), int(only_right[0])  # type: ignore[index]
