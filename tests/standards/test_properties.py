"""Property tests (hypothesis) and cross-checks against python-stdnum."""

from __future__ import annotations

import string
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from stdnum.cn import ric, uscc
from stdnum.iso7064 import mod_37_36

from pipelines.standards import (
    credit_code_check_char,
    credit_code_issue,
    id_check_char,
    id_number_issue,
    is_valid_credit_code,
    is_valid_org_code,
    mask,
    org_code_check_char,
)
from pipelines.standards.credit_code import CREDIT_CODE_CHARSET
from pipelines.standards.elicense import ELICENSE_PREFIX, elicense_check_char, is_valid_elicense_id

from .conftest import cases

AS_OF = date(2026, 11, 1)
digits17 = st.text(alphabet=string.digits, min_size=17, max_size=17)
# a real birth date keeps the date check out of the way of the checksum properties
birth_dates = st.dates(min_value=date(1900, 1, 1), max_value=AS_OF)


@st.composite
def id_bodies(draw: st.DrawFn) -> str:
    address = draw(st.text(alphabet=string.digits, min_size=6, max_size=6))
    born = draw(birth_dates).strftime("%Y%m%d")
    sequence = draw(st.text(alphabet=string.digits, min_size=3, max_size=3))
    return address + born + sequence


@settings(max_examples=200, deadline=None)
@given(id_bodies())
def test_body_plus_computed_check_char_is_valid(body: str) -> None:
    assert id_number_issue(body + id_check_char(body), AS_OF) is None


@settings(max_examples=200, deadline=None)
@given(id_bodies(), st.integers(0, 16), st.integers(1, 9))
def test_any_single_digit_change_breaks_the_id_check(body: str, position: int, shift: int) -> None:
    number = body + id_check_char(body)
    changed = str((int(number[position]) + shift) % 10)
    typo = number[:position] + changed + number[position + 1 :]
    assert id_number_issue(typo, AS_OF) in {"bad_checksum"}


@settings(max_examples=200, deadline=None)
@given(digits17)
def test_id_check_char_agrees_with_stdnum(body: str) -> None:
    assert id_check_char(body) == ric.calc_check_digit(body + "0")


@st.composite
def credit_bodies(draw: st.DrawFn) -> str:
    head = draw(st.text(alphabet=CREDIT_CODE_CHARSET, min_size=8, max_size=8))
    org_body = draw(st.text(alphabet=CREDIT_CODE_CHARSET, min_size=8, max_size=8))
    org_check = org_code_check_char(org_body)
    return head + org_body + org_check


@settings(max_examples=200, deadline=None)
@given(credit_bodies())
def test_credit_body_plus_check_is_valid_and_agrees_with_stdnum(body: str) -> None:
    check = credit_code_check_char(body)
    assert check == uscc.calc_check_digit(body)
    assert is_valid_credit_code(body + check)
    assert is_valid_org_code(body[8:17])


@settings(max_examples=200, deadline=None)
@given(credit_bodies(), st.integers(0, 17), st.integers(1, 30))
def test_any_single_change_breaks_the_credit_code(body: str, position: int, shift: int) -> None:
    code = body + credit_code_check_char(body)
    changed = CREDIT_CODE_CHARSET[(CREDIT_CODE_CHARSET.index(code[position]) + shift) % 31]
    typo = code[:position] + changed + code[position + 1 :]
    assert credit_code_issue(typo) == "bad_checksum"


@pytest.mark.parametrize("case", [c for c in cases("credit_code") if c["issue"] in (None, "bad_checksum")])
def test_fixture_credit_codes_agree_with_stdnum(case: dict[str, str]) -> None:
    code = case["normalised"]
    assert (uscc.calc_check_digit(code[:17]) == code[17]) is (case["issue"] is None)


@pytest.mark.parametrize("case", [c for c in cases("id_number") if c["issue"] in (None, "bad_checksum")])
def test_fixture_id_numbers_agree_with_stdnum(case: dict[str, str]) -> None:
    number = case["normalised"]
    assert (ric.calc_check_digit(number) == number[17]) is (case["issue"] is None)


alnum = st.text(alphabet=string.digits + string.ascii_uppercase, min_size=1, max_size=30)


@settings(max_examples=200, deadline=None)
@given(alnum)
def test_elicense_check_agrees_with_stdnum(payload: str) -> None:
    assert elicense_check_char(payload) == mod_37_36.calc_check_digit(payload)


@settings(max_examples=200, deadline=None)
@given(alnum, alnum, st.integers(0, 999))
def test_elicense_identifier_roundtrip(type_code: str, serial: str, version: int) -> None:
    issuer = "11371503MB0000000X"
    payload = type_code + issuer + serial + f"{version:03d}"
    check = elicense_check_char(payload)
    identifier = f"{ELICENSE_PREFIX}{type_code}.{issuer}.{serial}.{version:03d}.{check}"
    assert is_valid_elicense_id(identifier)
    assert is_valid_elicense_id(identifier.lower())
    wrong = "0" if check != "0" else "1"
    assert not is_valid_elicense_id(identifier[:-1] + wrong)


def test_elicense_rejects_malformed_identifiers() -> None:
    assert not is_valid_elicense_id(None)
    assert not is_valid_elicense_id("1.2.156.3005.2.A.B.C.01.X")  # version is 3 digits
    assert not is_valid_elicense_id("1.2.156.3005.1.A.B.C.001.X")  # wrong prefix
    assert not is_valid_elicense_id("1.2.156.3005.2.A.B.001.X")  # a part missing
    with pytest.raises(ValueError):
        elicense_check_char("A-1")


personal_text = st.text(min_size=2, max_size=40).filter(lambda s: "*" not in s)
kinds = st.sampled_from([None, "id_number", "phone", "name", "address", "credit_code", "org_code", "date", "text"])


@settings(max_examples=500, deadline=None)
@given(personal_text, st.sampled_from(["personal", "sensitive"]), kinds)
def test_mask_never_returns_the_full_value(value: str, sensitivity: str, kind: str | None) -> None:
    masked = mask(value, sensitivity, kind)
    assert masked != value
    assert len(masked) == len(value)
    assert "*" in masked


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=40), st.sampled_from(["public", "internal"]), kinds)
def test_mask_passes_public_and_internal_unchanged(value: str, sensitivity: str, kind: str | None) -> None:
    assert mask(value, sensitivity, kind) == value
