"""The std_* functions on Spark give what the DuckDB functions give (themselves checked against the
standards' fixture in tests/standards): the same Polars code behind both."""

from __future__ import annotations

from typing import Any

import duckdb
import pyarrow as pa
import pytest

from pipelines.settings import load_settings
from pipelines.standards.duckdb_udfs import LOOKUP_KINDS, register_udfs, unary_functions

pytestmark = pytest.mark.spark


def _fixture_raws() -> list[str | None]:
    from tests.standards.conftest import load_standard_cases

    values: list[str | None] = [None]
    for section in load_standard_cases().values():
        if isinstance(section, list):
            values += [c["raw"] for c in section if isinstance(c, dict) and isinstance(c.get("raw"), str)]
    return values


def test_spark_functions_equal_the_duckdb_functions_on_the_fixture(spark: Any) -> None:
    from pipelines.spark.udfs import register_spark_udfs
    from tests.standards.conftest import FIXTURE_AS_OF

    settings = load_settings()
    raws = _fixture_raws()
    register_spark_udfs(spark, county=settings.county, as_of=FIXTURE_AS_OF)
    con = duckdb.connect()
    register_udfs(con, county=settings.county, as_of=FIXTURE_AS_OF)
    cases_table = pa.table({"n": pa.array(range(len(raws))), "raw": pa.array(raws, type=pa.string())})  # noqa: F841
    names = sorted(unary_functions(settings.county, FIXTURE_AS_OF))
    calls = [f"{name}(raw)" for name in names] + ["std_amount_from(raw, '万元')", "std_mask(raw, 'personal', 'name')"]
    expected = con.execute(f"select n, {', '.join(calls)} from cases_table order by n").fetchall()  # noqa: S608
    frame = spark.createDataFrame([(i, r) for i, r in enumerate(raws)], "n long, raw string")
    frame.createOrReplaceTempView("cases_table")
    got = [tuple(row) for row in spark.sql(f"select n, {', '.join(calls)} from cases_table order by n").collect()]  # noqa: S608
    assert got == expected
    # the lookups: one value in, the struct of its outputs out (DuckDB's take a list of values)
    for kind in LOOKUP_KINDS:
        duck = con.execute(
            f"select s.* from (select unnest(std_lookup_{kind}(list(raw order by n))) as s from cases_table)"  # noqa: S608
        ).fetchall()
        spark_rows = [
            tuple(row)
            for row in spark.sql(
                f"select s.* from (select n, std_lookup_{kind}(raw) as s from cases_table) order by n"  # noqa: S608
            ).collect()
        ]
        assert spark_rows == duck, kind
