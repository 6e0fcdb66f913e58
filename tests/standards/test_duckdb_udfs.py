"""The DuckDB functions (`std_*`) agree with the fixture; the dbt plugin registers them."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from typing import Any

import duckdb
import pytest

from pipelines.settings import CountyProfile
from pipelines.standards.dbt_plugin import Plugin
from pipelines.standards.duckdb_udfs import UDF_NAMES, UdfRegistrationError, register_udfs

from .conftest import FIXTURE_AS_OF, cases


@pytest.fixture(scope="module")
def con() -> Iterator[duckdb.DuckDBPyConnection]:
    from pipelines.settings import load_settings

    connection = duckdb.connect()
    register_udfs(connection, county=load_settings().county, as_of=FIXTURE_AS_OF)
    yield connection
    connection.close()


def _column(con: duckdb.DuckDBPyConnection, function: str, values: list[Any], *extra: str) -> list[Any]:
    """`function(raw, *extra)` over `values`, in order (an Arrow table passes NULLs and order as given)."""
    import pyarrow as pa

    cases_table = pa.table({"raw": pa.array(values, type=pa.string()), "n": pa.array(range(len(values)))})
    args = ", ".join(["raw", *extra])
    rows = con.execute(f"select {function}({args}) from cases_table order by n").fetchall()  # noqa: S608
    return [row[0] for row in rows]


def _iso(values: list[date | None]) -> list[str | None]:
    return [None if v is None else v.isoformat() for v in values]


def test_id_functions(con: duckdb.DuckDBPyConnection) -> None:
    raws = [c["raw"] for c in cases("id_number")]
    assert _column(con, "std_id_number", raws) == [c["normalised"] for c in cases("id_number")]
    assert _column(con, "std_id_issue", raws) == [c["issue"] for c in cases("id_number")]
    assert _column(con, "std_id_valid", raws) == [c["valid"] for c in cases("id_number")]
    assert _iso(_column(con, "std_id_birth_date", raws)) == [c["birth_date"] for c in cases("id_number")]
    assert _column(con, "std_id_gender", raws) == [c["gender"] for c in cases("id_number")]


def test_code_functions(con: duckdb.DuckDBPyConnection) -> None:
    raws = [c["raw"] for c in cases("credit_code")]
    assert _column(con, "std_credit_code", raws) == [c["normalised"] for c in cases("credit_code")]
    assert _column(con, "std_credit_code_valid", raws) == [c["valid"] for c in cases("credit_code")]
    assert _column(con, "std_credit_code_issue", raws) == [c["issue"] for c in cases("credit_code")]
    org = [c["raw"] for c in cases("org_code")]
    assert _column(con, "std_org_code_valid", org) == [c["valid"] for c in cases("org_code")]
    assert _column(con, "std_org_code", org) == [c["normalised"] for c in cases("org_code")]


def test_division_functions(con: duckdb.DuckDBPyConnection) -> None:
    raws = [c["raw"] for c in cases("division_code")]
    assert _column(con, "std_division_valid", raws) == [c["valid"] for c in cases("division_code")]
    assert _column(con, "std_division_current", raws) == [c["current"] for c in cases("division_code")]
    assert _column(con, "std_township", raws) == [c["township"] for c in cases("division_code")]


def test_date_phone_text_functions(con: duckdb.DuckDBPyConnection) -> None:
    assert _iso(_column(con, "std_date", [c["raw"] for c in cases("date")])) == [c["date"] for c in cases("date")]
    phones = [c["raw"] for c in cases("phone")]
    assert _column(con, "std_phone", phones) == [c["normalised"] for c in cases("phone")]
    assert _column(con, "std_phone_issue", phones) == [c["issue"] for c in cases("phone")]
    assert _column(con, "std_phone_valid", phones) == [c["valid"] for c in cases("phone")]
    assert _column(con, "std_gender", [c["raw"] for c in cases("gender")]) == [c["code"] for c in cases("gender")]
    assert _column(con, "std_boolean", [c["raw"] for c in cases("boolean")]) == [c["value"] for c in cases("boolean")]
    assert _column(con, "std_is_missing", [c["raw"] for c in cases("missing")]) == [c["missing"] for c in cases("missing")]
    assert _column(con, "std_name", [c["raw"] for c in cases("name")]) == [c["normalised"] for c in cases("name")]
    assert _column(con, "std_simplified", ["張三", "区志强", None]) == ["张三", "区志强", None]
    assert _column(con, "std_halfwidth", ["ＡＢ１", "a　b", None]) == ["AB1", "a b", None]
    assert _column(con, "std_text", ["  a　 b ", "无"]) == ["a b", None]


def test_amount_functions(con: duckdb.DuckDBPyConnection) -> None:
    for case in cases("amount"):
        if case["unit"] != "元":
            continue
        expected = None if case["amount"] is None else Decimal(case["amount"])
        if case["assumed_unit"] == "元":
            assert _column(con, "std_amount", [case["raw"]]) == [expected], case
        assert _column(con, "std_amount_from", [case["raw"]], f"'{case['assumed_unit']}'") == [expected], case


def test_mask_function(con: duckdb.DuckDBPyConnection) -> None:
    import pyarrow as pa

    mask_cases = cases("mask")
    cases_table = pa.table(
        {
            "v": pa.array([c["value"] for c in mask_cases], type=pa.string()),
            "s": pa.array([c["sensitivity"] for c in mask_cases]),
            "k": pa.array([c["kind"] for c in mask_cases], type=pa.string()),
            "n": pa.array(range(len(mask_cases))),
        }
    )
    got = [r[0] for r in con.execute("select std_mask(v, s, k) from cases_table order by n").fetchall()]
    assert got == [c["masked"] for c in mask_cases]
    with pytest.raises(duckdb.Error, match="sensitivity"):
        con.execute("select std_mask('x', NULL, NULL)").fetchall()


def test_as_of_and_county_are_fixed_at_registration(county: CountyProfile) -> None:
    connection = duckdb.connect()
    register_udfs(connection, county=county, as_of=date(2029, 12, 31))
    assert connection.execute("select std_id_issue('371503203001010018')").fetchone() == ("future_birth_date",)
    with pytest.raises(UdfRegistrationError, match="once per connection"):
        register_udfs(connection, county=county, as_of=date(2030, 1, 1))
    connection = duckdb.connect()
    register_udfs(connection, county=county, as_of=date(2030, 1, 1))
    assert connection.execute("select std_id_issue('371503203001010018')").fetchone() == (None,)
    other = county.model_copy(update={"code": "371502", "historic_codes": [], "townships": []})
    connection = duckdb.connect()
    register_udfs(connection, county=other, as_of=date(2030, 1, 1))
    assert connection.execute("select std_division_valid('371503'), std_division_valid('371502')").fetchone() == (
        False,
        True,
    )


def test_registering_twice_before_use_is_harmless(county: CountyProfile) -> None:
    connection = duckdb.connect()
    register_udfs(connection, county=county, as_of=FIXTURE_AS_OF)
    register_udfs(connection, county=county, as_of=FIXTURE_AS_OF)
    assert connection.execute("select std_id_valid('11010519491231002X')").fetchone() == (True,)


def test_defaults_come_from_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GOVDATA_AS_OF", "2029-12-31")
    connection = duckdb.connect()
    register_udfs(connection)
    assert connection.execute("select std_id_issue('371503203001010018')").fetchone() == ("future_birth_date",)
    assert connection.execute("select std_division_valid('371523101')").fetchone() == (True,)


def _std_functions(connection: duckdb.DuckDBPyConnection) -> set[str]:
    rows = connection.execute(
        "select distinct function_name from duckdb_functions() where function_name in "
        f"({', '.join('?' for _ in UDF_NAMES)})",
        list(UDF_NAMES),
    ).fetchall()
    return {r[0] for r in rows}


def test_dbt_plugin_registers_the_functions() -> None:
    plugin = Plugin(name="standards", plugin_config={"as_of": "2029-12-31", "extensions": []})
    connection = duckdb.connect()
    assert _std_functions(connection) == set()
    plugin.configure_connection(connection)
    assert _std_functions(connection) == set(UDF_NAMES)
    # dbt runs models on cursors of the configured connection
    cursor = connection.cursor()
    assert cursor.execute("select std_id_issue('371503203001010018')").fetchone() == ("future_birth_date",)


def test_dbt_plugin_is_found_the_way_dbt_finds_it() -> None:
    from dbt.adapters.duckdb.plugins import BasePlugin

    plugin = BasePlugin.create("pipelines.standards.dbt_plugin", config={})
    assert isinstance(plugin, Plugin)
    assert plugin.as_of is None
    assert plugin.extensions == ("spatial",)
    with pytest.raises(ValueError, match="unknown config"):
        Plugin(name="standards", plugin_config={"asof": "2026-01-01"})


def test_dbt_plugin_loads_spatial_from_the_wheel() -> None:
    connection = duckdb.connect()
    Plugin(name="standards", plugin_config={"as_of": "2026-11-01"}).configure_connection(connection)
    assert connection.execute("select ST_AsText(ST_Point(1, 2))").fetchone() == ("POINT (1 2)",)
    with pytest.raises(Exception, match="duckdb-extension-nosuch"):
        Plugin(name="standards", plugin_config={"extensions": ["nosuch"]}).configure_connection(duckdb.connect())
