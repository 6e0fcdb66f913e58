"""The Spark build makes the libraries the DuckDB build makes: every table of the lib_* and
open_data schemas, row for row.

The fixture (`spark_libraries`) builds one tiny county both ways from the same staged and
resolved data: DuckDB's `dbt build` on a copy of the warehouse, and `spark_build` (the same
models on the `spark` target, written to the lake as Parquet). Each schema is one test, so a
library passes or fails on its own; a failure lists every table of the schema that is missing
from the lake, has other columns or types, or differs in rows (`except all` both ways, a
row-for-row comparison after sorting; read through DuckDB).
"""

from __future__ import annotations

import duckdb
import pytest

from pipelines.build import LIBRARY_SCHEMAS
from pipelines.spark import lake

from ._compare import differences, lake_relation
from .conftest import LibraryBuilds

pytestmark = pytest.mark.spark

SCHEMAS = (*LIBRARY_SCHEMAS, "open_data")


def _duckdb_tables(con: duckdb.DuckDBPyConnection, schema: str) -> list[str]:
    return [
        name
        for (name,) in con.execute(
            "select table_name from information_schema.tables where table_schema = ? order by 1", [schema]
        ).fetchall()
    ]


def table_mismatches(builds: LibraryBuilds, schema: str) -> list[str]:
    """Every table of `schema` in DuckDB's build that the lake lacks or holds differently."""
    built = {table for _, table in lake.lake_tables(builds.settings, [schema])}
    mismatches = []
    with builds.duckdb_build() as con:
        con.execute("load spatial")
        for table in _duckdb_tables(con, schema):
            if table not in built:
                mismatches.append(f"{schema}.{table}: not built on Spark")
                continue
            duck = f'"{schema}"."{table}"'
            spark = lake_relation(builds.settings, schema, table)
            duck_columns = con.execute(f"select column_name, column_type from (describe {duck})").fetchall()
            spark_columns = con.execute(f"select column_name, column_type from (describe select * from {spark})").fetchall()
            if duck_columns != spark_columns:
                diff = sorted(set(duck_columns) ^ set(spark_columns))
                mismatches.append(f"{schema}.{table}: columns differ {diff}")
                continue
            only_duck, only_spark = differences(con, duck, spark)
            if only_duck or only_spark:
                mismatches.append(f"{schema}.{table}: {only_duck} rows only in DuckDB's, {only_spark} only in Spark's")
    return mismatches


@pytest.mark.parametrize("schema", SCHEMAS)
def test_spark_library_equals_duckdb_library(spark_libraries: LibraryBuilds, schema: str) -> None:
    with spark_libraries.duckdb_build() as con:
        assert _duckdb_tables(con, schema), f"DuckDB's build has no {schema} tables to compare"
    mismatches = table_mismatches(spark_libraries, schema)
    assert not mismatches, "\n".join(mismatches)
