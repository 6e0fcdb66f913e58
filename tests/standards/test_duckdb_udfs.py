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


# Each lookup function against the scalar functions of the same standard (themselves checked
# against the fixture above): field -> the std_* expression it must equal.
LOOKUP_EQUIVALENTS: dict[str, dict[str, str]] = {
    "id_number": {"value": "std_id_number(raw)", "valid": "std_id_valid(raw)"},
    "credit_code": {"value": "std_credit_code(raw)", "valid": "std_credit_code_valid(raw)"},
    "org_code": {"value": "std_org_code(raw)", "valid": "std_org_code_valid(raw)"},
    "division_code": {"value": "std_division_current(raw)", "valid": "std_division_valid(raw)"},
    "date": {"value": "std_date(raw)"},
    "timestamp": {"halfwidth": "std_halfwidth(raw)", "date": "std_date(raw)"},
    "halfwidth": {"value": "std_halfwidth(raw)"},
    "phone": {"value": "std_phone(raw)"},
    "amount": {"value": "std_amount(raw)"},
    "gender": {"value": "std_gender(raw)"},
    "boolean": {"value": "std_boolean(raw)"},
    "name": {"value": "std_name(raw)"},
    "text": {"value": "std_text(raw)"},
}


def _every_fixture_raw() -> list[str | None]:
    """Every raw string of the fixture (all sections, so each lookup also sees foreign values), and NULL."""
    from .conftest import load_standard_cases

    values: list[str | None] = [None]
    for section, section_cases in load_standard_cases().items():
        if isinstance(section_cases, list):
            values += [c["raw"] for c in section_cases if isinstance(c.get("raw"), str)]
    return values


def test_every_lookup_kind_is_registered_and_checked() -> None:
    from pipelines.standards.duckdb_udfs import LOOKUP_KINDS

    assert set(LOOKUP_EQUIVALENTS) == set(LOOKUP_KINDS)


@pytest.mark.parametrize("kind", sorted(LOOKUP_EQUIVALENTS))
def test_lookup_functions_agree_with_the_scalar_functions(con: duckdb.DuckDBPyConnection, kind: str) -> None:
    import pyarrow as pa

    raws = _every_fixture_raw()
    cases_table = pa.table({"raw": pa.array(raws, type=pa.string()), "n": pa.array(range(len(raws)))})  # noqa: F841
    fields = LOOKUP_EQUIVALENTS[kind]
    # repeated values (the fixture repeats some) and NULL must come back once per element, in order
    got = con.execute(
        f"select s.raw, {', '.join(f's.{f}' for f in fields)} "  # noqa: S608
        f"from (select unnest(std_lookup_{kind}(list(raw order by n))) as s from cases_table)"
    ).fetchall()
    expected = con.execute(
        f"select raw, {', '.join(fields.values())} from cases_table order by n"  # noqa: S608
    ).fetchall()
    assert got == expected


def test_lookup_keeps_lists_apart_and_nulls_as_nulls(con: duckdb.DuckDBPyConnection) -> None:
    rows = con.execute(
        "select g, std_lookup_id_number(list(x order by x nulls last)) from "
        "(values (1, '11010519491231002x'), (1, NULL), (2, NULL), (3, '150102880730303')) t(g, x) "
        "group by g union all select 4, std_lookup_id_number(NULL) order by 1"
    ).fetchall()
    assert rows == [
        (1, [{"raw": "11010519491231002x", "value": "11010519491231002X", "valid": True},
             {"raw": None, "value": None, "valid": False}]),
        (2, [{"raw": None, "value": None, "valid": False}]),
        (3, [{"raw": "150102880730303", "value": "150102198807303035", "valid": True}]),
        (4, None),
    ]
    assert con.execute("select count(*) from (select unnest(std_lookup_name(list(x))) from (select 'a' x where false))").fetchone() == (0,)
