"""The Polars versions give exactly the scalar functions' answers: on the fixture and on
generated messy strings."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipelines.contracts.schema import Column, ColumnType, Sensitivity
from pipelines.settings import CountyProfile
from pipelines.standards import credit_code as cc
from pipelines.standards import dates as dt
from pipelines.standards import division as dv
from pipelines.standards import exprs as X
from pipelines.standards import id_number as idn
from pipelines.standards import masking as mk
from pipelines.standards import phone as ph
from pipelines.standards import text as tx

from .conftest import FIXTURE_AS_OF, cases


def _apply(values: list[Any], expr_of: Any) -> list[Any]:
    frame = pl.DataFrame({"raw": values}, schema={"raw": pl.String})
    return frame.select(expr_of(pl.col("raw")).alias("out"))["out"].to_list()


def _raws(section: str, key: str = "raw") -> list[Any]:
    return [c[key] for c in cases(section)]


def _iso(values: list[date | None]) -> list[str | None]:
    return [None if v is None else v.isoformat() for v in values]


def test_id_number_exprs_match_the_fixture() -> None:
    raws = _raws("id_number")
    assert _apply(raws, X.normalise_id_number_expr) == [c["normalised"] for c in cases("id_number")]
    assert _apply(raws, lambda e: X.id_issue_expr(e, FIXTURE_AS_OF)) == [c["issue"] for c in cases("id_number")]
    assert _apply(raws, lambda e: X.id_valid_expr(e, FIXTURE_AS_OF)) == [c["valid"] for c in cases("id_number")]
    assert _iso(_apply(raws, X.id_birth_date_expr)) == [c["birth_date"] for c in cases("id_number")]
    assert _apply(raws, X.id_gender_expr) == [c["gender"] for c in cases("id_number")]
    assert _apply(raws, X.id_address_code_expr) == [idn.id_address_code(r) for r in raws]


def test_credit_code_exprs_match_the_fixture() -> None:
    raws = _raws("credit_code")
    assert _apply(raws, X.normalise_credit_code_expr) == [c["normalised"] for c in cases("credit_code")]
    assert _apply(raws, X.credit_code_issue_expr) == [c["issue"] for c in cases("credit_code")]
    assert _apply(raws, X.credit_code_valid_expr) == [c["valid"] for c in cases("credit_code")]


def test_org_code_exprs_match_the_fixture() -> None:
    raws = _raws("org_code")
    assert _apply(raws, X.normalise_org_code_expr) == [c["normalised"] for c in cases("org_code")]
    assert _apply(raws, X.org_code_valid_expr) == [c["valid"] for c in cases("org_code")]


def test_phone_exprs_match_the_fixture() -> None:
    raws = _raws("phone")
    assert _apply(raws, X.normalise_phone_expr) == [c["normalised"] for c in cases("phone")]
    assert _apply(raws, X.phone_issue_expr) == [c["issue"] for c in cases("phone")]
    assert _apply(raws, X.phone_valid_expr) == [c["valid"] for c in cases("phone")]


def test_date_expr_matches_the_fixture() -> None:
    assert _iso(_apply(_raws("date"), X.parse_date_expr)) == [c["date"] for c in cases("date")]


def test_missing_expr_matches_the_fixture() -> None:
    assert _apply(_raws("missing"), X.is_missing_expr) == [c["missing"] for c in cases("missing")]


def test_name_exprs_match_the_fixture() -> None:
    assert _apply(_raws("name"), X.normalise_name_expr) == [c["normalised"] for c in cases("name")]


def test_amount_expr_matches_the_fixture() -> None:
    for case in cases("amount"):
        got = _apply([case["raw"]], lambda e, c=case: X.parse_amount_expr(e, c["unit"], c["assumed_unit"]))[0]
        assert got == (None if case["amount"] is None else Decimal(case["amount"])), case


def test_division_exprs_match_the_fixture(county: CountyProfile) -> None:
    raws = _raws("division_code")
    assert _apply(raws, lambda e: X.division_valid_expr(e, county)) == [c["valid"] for c in cases("division_code")]
    assert _apply(raws, lambda e: X.division_current_expr(e, county)) == [c["current"] for c in cases("division_code")]
    assert _apply(raws, lambda e: X.township_of_expr(e, county)) == [c["township"] for c in cases("division_code")]
    for case in cases("division_code"):
        for year, expected in case["valid_in"].items():
            got = _apply([case["raw"]], lambda e, y=int(year): X.division_valid_in_year_expr(e, y, county))
            assert got == [expected], (case, year)


def test_division_year_may_vary_per_row(county: CountyProfile) -> None:
    frame = pl.DataFrame({"code": ["371523101", "371523101", "371503101"], "year": [2010, 2020, 2020]})
    got = frame.select(X.division_valid_in_year_expr("code", "year", county).alias("ok"))["ok"].to_list()
    assert got == [True, False, True]


def test_mask_expr_matches_the_fixture() -> None:
    for case in cases("mask"):
        got = _apply([case["value"]], lambda e, c=case: mk.mask_expr(e, c["sensitivity"], c["kind"]))[0]
        assert got == case["masked"], case


def test_mask_column_and_frame_use_the_contract() -> None:
    columns = [
        Column(name="id_number", name_zh="公民身份号码", type=ColumnType.ID_NUMBER, sensitivity=Sensitivity.SENSITIVE),
        Column(name="name", name_zh="姓名", sensitivity=Sensitivity.PERSONAL),
        Column(name="address", name_zh="户籍地址", sensitivity=Sensitivity.PERSONAL),
        Column(name="division_code", name_zh="行政区划代码", type=ColumnType.DIVISION_CODE, sensitivity=Sensitivity.PUBLIC),
    ]
    frame = pl.DataFrame(
        {
            "公民身份号码": ["11010519491231002X", None],
            "name": ["张小明", "李四"],
            "address": ["山东省聊城市茌平区乐平铺镇前王村12号", "x"],
            "division_code": ["371503101", "371503102"],
            "_line": [2, 3],
        }
    )
    masked = mk.mask_frame(frame, columns)
    assert masked.columns == frame.columns
    assert masked["公民身份号码"].to_list() == ["110105***********X", None]
    assert masked["name"].to_list() == ["张**", "李*"]
    assert masked["address"].to_list() == ["山东省聊城市茌平区乐平铺镇******", "*"]
    assert masked["division_code"].to_list() == ["371503101", "371503102"]
    assert masked["_line"].to_list() == [2, 3]
    assert mk.mask_column(frame["name"], columns[1]).to_list() == ["张**", "李*"]
    with pytest.raises(mk.MaskingError, match="person_id"):
        mk.mask_frame(frame.with_columns(person_id=pl.lit("P1")), columns)
    kept = mk.mask_frame(frame.with_columns(person_id=pl.lit("P1")), columns, unknown="keep")
    assert kept["person_id"].to_list() == ["P1", "P1"]
    hidden = mk.mask_frame(frame.with_columns(person_id=pl.lit("P1")), columns, unknown="mask")
    assert hidden["person_id"].to_list() == ["P*", "P*"]


# --- generated messy strings: scalar and Polars agree on anything ---------------------------

messy_chars = st.sampled_from(
    list("0123456789") * 4
    + list("xXeE+-.'/()年月日号T:ZabcMNOYq万元,¥=\"")
    + [" ", "\u3000", "\t", "\u200b", "０", "１", "９", "Ｘ", "ｘ", "－", "．", "（"]
)
messy = st.one_of(
    st.none(),
    st.text(messy_chars, max_size=22),
    st.sampled_from(sorted(tx.MISSING_VALUES)),
    st.text(max_size=8),
)


def _agree(values: list[Any], scalar: Any, expr_of: Any) -> None:
    expected = [scalar(v) for v in values]
    assert _apply(values, expr_of) == expected


@settings(max_examples=60, deadline=None)
@given(st.lists(messy, min_size=1, max_size=30))
def test_id_scalar_and_polars_agree(values: list[str | None]) -> None:
    _agree(values, idn.normalise_id_number, X.normalise_id_number_expr)
    _agree(values, lambda v: idn.id_number_issue(v, FIXTURE_AS_OF), lambda e: X.id_issue_expr(e, FIXTURE_AS_OF))
    _agree(values, idn.id_birth_date, X.id_birth_date_expr)
    _agree(values, idn.id_gender, X.id_gender_expr)


@st.composite
def near_ids(draw: st.DrawFn) -> str:
    body = draw(st.text(st.sampled_from("0123456789"), min_size=17, max_size=17))
    tail = draw(st.sampled_from(["", idn.id_check_char(body), "X", "x", "0"]))
    return body + tail


@settings(max_examples=60, deadline=None)
@given(st.lists(st.one_of(near_ids(), st.text(st.sampled_from("0123456789"), min_size=15, max_size=15)), max_size=30))
def test_id_near_misses_agree(values: list[str]) -> None:
    _agree(values, lambda v: idn.id_number_issue(v, FIXTURE_AS_OF), lambda e: X.id_issue_expr(e, FIXTURE_AS_OF))
    _agree(values, idn.id_birth_date, X.id_birth_date_expr)


@st.composite
def near_credit_codes(draw: st.DrawFn) -> str:
    body = draw(st.text(st.sampled_from(cc.CREDIT_CODE_CHARSET), min_size=17, max_size=17))
    tail = draw(st.sampled_from(["", cc.credit_code_check_char(body), "I", "0"]))
    text = body + tail
    return draw(st.sampled_from([text, text.lower(), " " + text, text[:8] + "-" + text[8:]]))


@settings(max_examples=60, deadline=None)
@given(st.lists(st.one_of(messy, near_credit_codes()), min_size=1, max_size=30))
def test_credit_code_scalar_and_polars_agree(values: list[str | None]) -> None:
    _agree(values, cc.normalise_credit_code, X.normalise_credit_code_expr)
    _agree(values, cc.credit_code_issue, X.credit_code_issue_expr)
    _agree(values, cc.normalise_org_code, X.normalise_org_code_expr)
    _agree(values, cc.is_valid_org_code, X.org_code_valid_expr)
    _agree([None if v is None else v[8:18] for v in values], cc.is_valid_org_code, X.org_code_valid_expr)


@settings(max_examples=60, deadline=None)
@given(st.lists(messy, min_size=1, max_size=30))
def test_phone_scalar_and_polars_agree(values: list[str | None]) -> None:
    _agree(values, ph.normalise_phone, X.normalise_phone_expr)
    _agree(values, ph.phone_issue, X.phone_issue_expr)


@settings(max_examples=60, deadline=None)
@given(st.lists(messy, min_size=1, max_size=30))
def test_date_scalar_and_polars_agree(values: list[str | None]) -> None:
    _agree(values, dt.parse_date, X.parse_date_expr)


@settings(max_examples=50, deadline=None)
@given(st.lists(st.dates(min_value=date(1, 1, 1)).map(lambda d: d.strftime("%Y年%m月%d日")), max_size=10))
def test_generated_dates_agree(values: list[str]) -> None:
    _agree(values, dt.parse_date, X.parse_date_expr)


@settings(max_examples=60, deadline=None)
@given(st.lists(messy, min_size=1, max_size=30))
def test_text_scalar_and_polars_agree(values: list[str | None]) -> None:
    _agree(values, tx.is_missing, X.is_missing_expr)
    _agree(values, tx.to_halfwidth, X.halfwidth_expr)
    _agree(values, tx.normalise_text, X.normalise_text_expr)
    _agree(values, tx.normalise_name, X.normalise_name_expr)
    _agree(values, tx.to_simplified, X.simplified_expr)


@settings(max_examples=50, deadline=None)
@given(st.lists(st.one_of(messy, st.from_regex(r"\A[0-9]{1,6}(\.[0-9]{1,4})?(万元|元|亿)?\Z")), min_size=1, max_size=20))
def test_amount_scalar_and_polars_agree(values: list[str | None]) -> None:
    _agree(values, tx.parse_amount, X.parse_amount_expr)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.one_of(messy, st.from_regex(r"\A37(1503|1523|2524|1502)([0-9]{3}){0,2}\Z")), min_size=1, max_size=30))
def test_division_scalar_and_polars_agree(values: list[str | None]) -> None:
    from pipelines.settings import load_settings

    county = load_settings().county
    _agree(values, lambda v: dv.is_valid_county_division_code(v, county), lambda e: X.division_valid_expr(e, county))
    _agree(values, lambda v: dv.normalise_county_division_code(v, county), lambda e: X.division_current_expr(e, county))
    _agree(values, lambda v: dv.township_of(v, county), lambda e: X.township_of_expr(e, county))


names = st.lists(st.sampled_from(list("张王李單曾區強陳乐查·.・ 　") + ["阿卜杜拉", "買"]), max_size=8).map("".join)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.one_of(messy, names), min_size=1, max_size=20),
    st.sampled_from(list(Sensitivity)),
    st.sampled_from([None, *mk.MaskKind, ColumnType.DATE]),
)
def test_mask_scalar_and_polars_agree(values: list[str | None], sensitivity: Sensitivity, kind: Any) -> None:
    _agree(values, lambda v: mk.mask(v, sensitivity, kind), lambda e: mk.mask_expr(e, sensitivity, kind))


def test_gender_expr_matches_the_fixture() -> None:
    assert _apply(_raws("gender"), X.normalise_gender_expr) == [c["code"] for c in cases("gender")]


@settings(max_examples=40, deadline=None)
@given(st.lists(st.one_of(messy, st.sampled_from(["男", "女", "Ｍ", "female", " 1 "])), min_size=1, max_size=20))
def test_gender_scalar_and_polars_agree(values: list[str | None]) -> None:
    from pipelines.standards.gender import normalise_gender

    _agree(values, normalise_gender, X.normalise_gender_expr)


def test_boolean_expr_matches_the_fixture() -> None:
    assert _apply(_raws("boolean"), X.normalise_boolean_expr) == [c["value"] for c in cases("boolean")]


@settings(max_examples=40, deadline=None)
@given(st.lists(st.one_of(messy, st.sampled_from(["是", "否", "Ｙ", "true", " 1 ", "无"])), min_size=1, max_size=20))
def test_boolean_scalar_and_polars_agree(values: list[str | None]) -> None:
    from pipelines.standards.boolean import normalise_boolean

    _agree(values, normalise_boolean, X.normalise_boolean_expr)
