"""The dialect macros of dbt_project/macros/spark_dialect_more.sql give the same values on both
engines, on crafted values the tiny county does not hold (month ends, rounding halves, no match,
nulls, empty lists).

Each macro's DuckDB form (`default__x`) runs in DuckDB and its Spark form (`spark__x`) on the Spark
session with the spark target's session settings (profiles.yml `server_side_parameters`, read
from the file: Spark reads string literals as DuckDB does); the two results must be equal.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import jinja2
import pytest
import yaml

pytestmark = pytest.mark.spark

MACROS = Path(__file__).resolve().parents[2] / "dbt_project" / "macros"


def _render(form: str, call: str) -> str:
    """`call` (a macro call without its prefix, e.g. "re_matches('v', \"'a'\")") rendered in the
    `default` (DuckDB) or `spark` form, with the macro files' definitions in scope."""
    text = "\n".join((MACROS / name).read_text() for name in ("library_helpers.sql", "spark_dialect_more.sql", "systems.sql"))
    env = jinja2.Environment(extensions=["jinja2.ext.do"])
    return env.from_string(text + "\n@@@{{ " + form + "__" + call + " }}").render().split("@@@", 1)[1].strip()


@pytest.fixture(scope="module")
def spark_sql(spark: Any) -> Any:
    """The session with the spark target's session settings applied, as dbt-spark applies them
    (the profile's, and ANSI mode off, which dbt-spark always sets)."""
    profiles = yaml.safe_load((MACROS.parent / "profiles.yml").read_text())
    for key, value in profiles["govdata"]["outputs"]["spark"]["server_side_parameters"].items():
        spark.conf.set(key, str(value))
    spark.conf.set("spark.sql.ansi.enabled", "false")
    return spark


def _both(spark: Any, call: str, rows: str, columns: str, *, aggregate: bool = False) -> tuple[list[Any], list[Any]]:
    """Evaluate the macro over the rows `rows` (a VALUES list) with columns `columns`, on each engine;
    sorted values (one per row, or one for an aggregate)."""
    results = []
    for form in ("default", "spark"):
        expr = _render(form, call)
        sql = f"select {expr} as r from (values {rows}) as t({columns})"
        if form == "default":
            values = [row[0] for row in duckdb.sql(sql).fetchall()]
        else:
            values = [row["r"] for row in spark.sql(sql).collect()]
        results.append(values if aggregate else sorted(values, key=repr))
    return results[0], results[1]


TEXTS = "('a b'), ('ab'), ('a\u3000b'), (null), ('2024年'), ('2024年末'), ('登录失败'), ('x (y) z')"


@pytest.mark.parametrize(
    "call",
    [
        "re_matches('v', \"'[\\\\s\\\\x{3000}]'\")",
        "re_matches('v', \"'^\\\\s*[0-9]{4}'\")",
        "re_full_match('v', \"'[0-9]{4}年'\")",
        "re_replace_all('v', \"'[\\\\s\\\\x{3000}]+'\", \"''\")",
        "re_replace_all('v', \"'[（(][^）)]*[）)]'\", \"''\")",
        "last_regex_match('v', \"'年|失败|b'\")",
        "split_regex('v', \"'[ \\\\x{3000}]+'\")",
        "text_list_position(['ab', 'x (y) z'], 'v')",
    ],
)
def test_text_macros_agree(spark_sql: Any, call: str) -> None:
    duck, spark = _both(spark_sql, call, TEXTS, "v")
    assert duck == spark


def test_full_match_does_not_accept_a_trailing_line_break(spark_sql: Any) -> None:
    """Java's `$` also matches before a final line break; the Spark form anchors at the very end."""
    duck, spark = _both(spark_sql, "re_full_match('v', \"'[0-9]{4}年'\")", "('2024年' || chr(10)), ('2024年')", "v")
    assert duck == spark == [False, True]


def test_whole_years_count_month_ends_as_duckdb_does(spark_sql: Any) -> None:
    rows = (
        "(date '2000-02-29', date '2026-02-28'), (date '2000-03-15', date '2026-03-14'), "
        "(date '2000-01-31', date '2026-02-28'), (date '1990-11-01', date '2026-11-01'), "
        "(date '2025-11-02', date '2026-11-01')"
    )
    duck, spark = _both(spark_sql, "full_years_between('s', 'e')", rows, "s, e")
    assert duck == spark
    assert 25 in duck and 36 in duck and 0 in duck  # a year short by a day, a birthday, a day short of one


def test_year_month_parsing_agrees(spark_sql: Any) -> None:
    rows = "('202601'), ('20261'), ('202613'), ('2026011'), ('abcd12'), ('202600'), (null)"
    duck, spark = _both(spark_sql, "try_year_month('v')", rows, "v")
    assert duck == spark
    assert date(2026, 1, 1) in duck


def test_dates_format_alike(spark_sql: Any) -> None:
    rows = "(date '2026-01-05'), (date '1999-12-31'), (null)"
    for fmt in ("%Y-%m-%d", "%Y%m", "%Y-%m"):
        duck, spark = _both(spark_sql, f"format_date('d', '{fmt}')", rows, "d")
        assert duck == spark, fmt


@pytest.mark.parametrize("digits", [0, 1, 2, 6])
def test_doubles_round_as_duckdb_rounds(spark_sql: Any, digits: int) -> None:
    """1.005 is stored as 1.00499..., so DuckDB rounds it down to 1.0 where Spark's own round
    gives 1.01; the Spark form must give DuckDB's."""
    values = ["1.005", "2.675", "0.285", "-1.005", "12.5", "116.0354671", "null"]
    rows = ", ".join(f"(cast({v} as double))" for v in values)
    duck, spark = _both(spark_sql, f"round_double('v', {digits})", rows, "v")
    assert duck == spark
    if digits == 2:
        assert 1.0 in duck and 0.28 in duck


def test_text_aggregates_agree(spark_sql: Any) -> None:
    rows = "('b', true), ('a', true), ('b', true), (null, true), ('c', false)"
    for call in ("distinct_text_agg('v', \"';'\", 'keep')", "sorted_text_agg('v', \"';'\")"):
        duck, spark = _both(spark_sql, call, rows, "v, keep", aggregate=True)
        assert duck == spark, call
    duck, spark = _both(spark_sql, "distinct_text_agg('v', \"';'\", 'keep')", "('c', false)", "v, keep", aggregate=True)
    assert duck == spark == [None]


def test_list_macros_agree(spark_sql: Any) -> None:
    checks = {
        "present_items(\"'a', case when n > 1 then 'b' end, null\")": "(1), (2)",
        "int_list_contains([3, 4], 'n')": "(1), (3), (null)",
        "int_list_contains([], 'n')": "(1), (null)",
        "sorted_common_items(\"['x', 'b', 'a']\", \"['a', 'x', 'z']\")": "(1)",
        "systems_jaccard(\"['x', 'b', 'a']\", \"['a', 'x', 'z']\")": "(1)",
        "systems_jaccard(\"['x']\", 'cast(l as varchar[])')": "(1)",
    }
    for call, rows in checks.items():
        if "cast(l as varchar[])" in call:
            # an empty list on each side: the Jaccard of an empty list is 0
            duck_sql = f"select {_render('default', call)} from (select []::varchar[] as l)"
            spark_call = call.replace("['x']", "array('x')").replace("cast(l as varchar[])", "l")
            spark_sql_text = f"select {_render('spark', spark_call)} from (select cast(array() as array<string>) as l)"
            assert duckdb.sql(duck_sql).fetchall()[0][0] == spark_sql.sql(spark_sql_text).collect()[0][0] == 0.0
            continue
        spark_call = call.replace("['x', 'b', 'a']", "array('x', 'b', 'a')").replace("['a', 'x', 'z']", "array('a', 'x', 'z')")
        duck = sorted((r[0] for r in duckdb.sql(f"select {_render('default', call)} from (values {rows}) t(n)").fetchall()), key=repr)
        spark = sorted((r[0] for r in spark_sql.sql(f"select {_render('spark', spark_call)} from (values {rows}) t(n)").collect()), key=repr)
        assert duck == spark, call


def test_contract_types_in_sparks_words() -> None:
    env = jinja2.Environment(extensions=["jinja2.ext.do"])
    text = (MACROS / "spark_dialect_more.sql").read_text()
    words = {
        t: env.from_string(text + "@@@{{ spark_data_type('" + t + "') }}").render().split("@@@", 1)[1].strip()
        for t in ("varchar", "varchar[]", "bigint", "decimal(20,4)", "date", "timestamp", "boolean", "double")
    }
    assert words == {
        "varchar": "string",
        "varchar[]": "array<string>",
        "bigint": "bigint",
        "decimal(20,4)": "decimal(20,4)",
        "date": "date",
        "timestamp": "timestamp",
        "boolean": "boolean",
        "double": "double",
    }


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        # a mean exactly on a half at the 8th decimal rounds away from zero on both engines
        # (DuckDB's double avg of these gave 36.4713207)
        ("(36.4713207), (36.4713208)", 36.4713208),
        ("(-36.4713207), (-36.4713208)", -36.4713208),
        ("(0.0000001), (0.0000000)", 0.0000001),
        ("(-0.0000001), (0.0000000)", -0.0000001),
        ("(116.0354671), (116.0354672), (116.0354672), (116.0354671)", 116.0354672),
        # not a half: the nearest value; nulls are not counted; all null is null
        ("(1.0000001), (1.0000001), (1.0000002)", 1.0000001),
        ("(null), (2.0000001), (2.0000002)", 2.0000002),
        ("(cast(null as decimal(18, 7))), (cast(null as decimal(18, 7)))", None),
    ],
)
def test_rounded_means_round_ties_half_up_alike(spark_sql: Any, rows: str, expected: float | None) -> None:
    duck, spark = _both(spark_sql, "rounded_mean('cast(v as decimal(18, 7))', 7)", rows, "v", aggregate=True)
    assert duck == spark == [expected]
