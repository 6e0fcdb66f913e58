"""Figures rounded after a mean or a unit change are the exact value rounded half away from zero
in the DuckDB build (the warehouse's engine), not a double that lands a hair off a half: a street's
centre whose mean latitude ends in ...75 at the 8th decimal, a tax total of 104.50 yuan shown in
wan yuan (0.0105). tests/spark checks that Spark's forms give the same."""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import jinja2
import pytest

DBT = Path(__file__).resolve().parents[1] / "dbt_project"


def _default_form(call: str) -> str:
    """The DuckDB (`default__`) form of a macro call from spark_dialect_more.sql."""
    text = (DBT / "macros" / "spark_dialect_more.sql").read_text()
    env = jinja2.Environment(extensions=["jinja2.ext.do"])
    return env.from_string(text + "\n@@@{{ default__" + call + " }}").render().split("@@@", 1)[1].strip()


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        (["36.4713207", "36.4713208"], 36.4713208),
        (["-36.4713207", "-36.4713208"], -36.4713208),
        (["0.0000001", "0"], 0.0000001),
        (["1.0000001", "1.0000001", "1.0000002"], 1.0000001),
    ],
)
def test_mean_coordinates_round_ties_half_up(values: list[str], expected: float) -> None:
    expr = _default_form("rounded_mean('cast(v as decimal(18, 7))', 7)")
    rows = ", ".join(f"({v})" for v in values)
    assert duckdb.sql(f"select {expr} from (values {rows}) as t(v)").fetchone() == (expected,)


def test_address_centres_use_the_exact_mean() -> None:
    """Every mean coordinate of the address matches goes through rounded_mean (a plain
    round(avg(decimal)) is a double in DuckDB and rounds ties either way)."""
    sql = (DBT / "models" / "intermediate" / "spatial" / "int_address_matches.sql").read_text()
    assert "rounded_mean(" in sql
    assert not re.search(r"round\(\s*avg\(", sql)


@pytest.mark.parametrize(
    "model", ["marts/decision/enterprise_profile.sql", "marts/decision/tax_investment_by_industry.sql"]
)
def test_tax_in_wan_yuan_rounds_ties_half_up(model: str) -> None:
    """The models' own yuan-to-wan-yuan expressions, run over tax totals that end in half a yuan
    and cast to the contract's decimal(20, 4), round away from zero: 104.50 yuan is 0.0105 wan yuan
    (dividing by 10000 gave a double, 0.0104), -1.50 yuan (a refund) is -0.0002."""
    sql = (DBT / "models" / model).read_text()
    expressions = re.findall(r"(sum\(tax\.amount\)[^\n]*?) as (\w+_wan_yuan)", sql)
    assert expressions
    con = duckdb.connect()
    con.execute("create table tax (amount decimal(38, 6), tax_item varchar)")
    con.execute(
        "insert into tax values (100.25, '增值税'), (4.25, '增值税'), (-1.0, '企业所得税'), (-0.5, '企业所得税'),"
        " (1.5, '印花税')"
    )
    expected = {"增值税": "0.0105", "企业所得税": "-0.0002"}
    for expr, name in expressions:
        value = con.execute(f"select cast({expr} as decimal(20, 4)) from tax").fetchone()[0]
        item = next((item for item in expected if item in expr), None)
        # the total: 104.50 - 1.50 + 1.50 yuan
        assert str(value) == expected.get(item, "0.0105"), name
