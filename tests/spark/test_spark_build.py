"""The Spark path builds what the DuckDB path builds: the same tables, row for row.

Both builds of one tiny county (conftest: DuckDB's copy, and the lake's Parquet written by Spark)
are read through DuckDB and compared as multisets (`except all` both ways, which is a row-for-row
comparison after sorting), with the same columns and types.
"""

from __future__ import annotations

import duckdb
import pytest

from pipelines.spark import lake

from ._compare import differences, lake_relation
from .conftest import SparkRun

pytestmark = pytest.mark.spark


def _staging_tables(con: duckdb.DuckDBPyConnection) -> list[str]:
    return [
        name
        for (name,) in con.execute(
            "select table_name from information_schema.tables where table_schema = 'staging' order by 1"
        ).fetchall()
    ]


def test_spark_stage_builds_every_staging_and_record_table(spark_run: SparkRun) -> None:
    with spark_run.duckdb_build() as con:
        expected = _staging_tables(con)
    built = [table for schema, table in lake.lake_tables(spark_run.settings, ["staging"])]
    assert "int_person_records" in expected and "int_org_records" in expected
    assert built == expected
    assert spark_run.stage_counts["person records"] > 0 and spark_run.stage_counts["organisation records"] > 0


def test_spark_staging_equals_duckdb_staging_row_for_row(spark_run: SparkRun) -> None:
    mismatches = []
    with spark_run.duckdb_build() as con:
        for table in _staging_tables(con):
            duck = f'staging."{table}"'
            spark = lake_relation(spark_run.settings, "staging", table)
            duck_columns = con.execute(f"select column_name, column_type from (describe {duck})").fetchall()
            spark_columns = con.execute(f"select column_name, column_type from (describe select * from {spark})").fetchall()
            if duck_columns != spark_columns:
                mismatches.append(f"{table}: columns {set(duck_columns) ^ set(spark_columns)}")
                continue
            only_duck, only_spark = differences(con, duck, spark)
            if only_duck or only_spark:
                mismatches.append(f"{table}: {only_duck} rows only in DuckDB's, {only_spark} only in Spark's")
    assert not mismatches, "\n".join(mismatches)


def test_later_stages_read_the_lake_through_duckdb_views(spark_run: SparkRun) -> None:
    """After the Spark stage the warehouse's staging tables are views over the lake, so the
    checks and every later stage read Spark's results with the same SQL."""
    from pipelines.warehouse import connect

    with connect(spark_run.settings, read_only=True) as con:
        kinds = dict(
            con.execute(
                "select table_name, table_type from information_schema.tables where table_schema = 'staging'"
            ).fetchall()
        )
        persons = con.execute("select count(*) from staging.int_person_records").fetchone()[0]  # type: ignore[index]
    assert kinds and set(kinds.values()) == {"VIEW"}
    assert persons == spark_run.stage_counts["person records"]
