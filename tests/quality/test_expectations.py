"""Each custom expectation on valid, invalid and edge values, through Great Expectations itself.

The national-standard expectations run the standards fixture (`tests/fixtures/standards_cases.json`,
the worked examples of standards.md and messy spellings): every case the fixture calls valid must
pass and every invalid one must be flagged. Missing values (the fixture's `empty` cases) are not
these expectations' business: GX skips nulls, and staging turns missing spellings into nulls.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from pipelines.settings import load_settings

FIXTURE = Path(__file__).parents[1] / "fixtures" / "standards_cases.json"
CASES = json.loads(FIXTURE.read_text(encoding="utf-8"))
AS_OF = CASES["as_of"]


class Probe:
    """One GX context; validates one expectation on a frame and returns the failing row ids."""

    def __init__(self) -> None:
        os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
        import great_expectations as gx
        from great_expectations.data_context.types.base import ProgressBarsConfig

        import pipelines.quality.custom  # noqa: F401

        self.gx = gx
        self.context = gx.get_context(mode="ephemeral")
        self.context.variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)
        self.batch_definition = (
            self.context.data_sources.add_pandas("probe").add_dataframe_asset("frame").add_batch_definition_whole_dataframe("all")
        )
        self.count = 0

    def failing(self, expectation: str, frame: pd.DataFrame, **kwargs: Any) -> tuple[set[int], dict[str, Any]]:
        from great_expectations.expectations.registry import get_expectation_impl

        self.count += 1
        suite = self.context.suites.add(self.gx.ExpectationSuite(name=f"probe_{self.count}"))
        suite.add_expectation(get_expectation_impl(expectation)(**kwargs))
        frame = frame.assign(row=range(len(frame)))
        result = self.batch_definition.get_batch(batch_parameters={"dataframe": frame}).validate(
            suite, result_format={"result_format": "COMPLETE", "unexpected_index_column_names": ["row"]}
        )
        outcome = result.results[0]
        assert not outcome.exception_info.get("raised_exception"), outcome.exception_info
        rows = {item["row"] for item in outcome.result.get("unexpected_index_list") or []}
        return rows, outcome.result


@pytest.fixture(scope="module")
def probe() -> Iterator[Probe]:
    yield Probe()


def _fixture_frame(kind: str) -> tuple[pd.DataFrame, set[int]]:
    """The fixture's non-empty cases of a standard, and the rows it says are invalid."""
    cases = [c for c in CASES[kind] if c.get("issue") != "empty" and c["raw"] not in (None, "")]
    frame = pd.DataFrame({"value": [c["raw"] for c in cases]})
    return frame, {i for i, c in enumerate(cases) if not c["valid"]}


@pytest.mark.parametrize(
    ("kind", "expectation"),
    [
        ("id_number", "expect_column_values_to_be_valid_id_number"),
        ("credit_code", "expect_column_values_to_be_valid_credit_code"),
        ("org_code", "expect_column_values_to_be_valid_org_code"),
        ("phone", "expect_column_values_to_be_valid_phone"),
    ],
)
def test_standard_expectations_agree_with_the_fixture(probe: Probe, kind: str, expectation: str) -> None:
    frame, invalid = _fixture_frame(kind)
    kwargs: dict[str, Any] = {"as_of": AS_OF} if kind == "id_number" else {}
    failing, result = probe.failing(expectation, frame, column="value", **kwargs)
    assert failing == invalid, frame.assign(flagged=frame.index.isin(failing))
    assert result["element_count"] == len(frame)


def test_division_codes_of_every_period_of_the_county_are_valid(probe: Probe) -> None:
    county = load_settings().county.model_dump(mode="json")
    frame, invalid = _fixture_frame("division_code")
    failing, _ = probe.failing("expect_column_values_to_be_valid_division_code", frame, column="value", county=county)
    assert failing == invalid
    assert "372524" in set(frame.loc[~frame.index.isin(failing), "value"])  # 1982-1996 code


def test_id_worked_examples_and_edges(probe: Probe) -> None:
    values = [
        "11010519491231002X",  # worked example
        "440524188001010014",  # worked example, born 1880: valid
        "150102880730303",  # legacy 15 digits -> 150102198807303035
        "330102200403064",  # legacy 15 digits -> 33010219200403064X
        "11010519491231002x",  # lowercase x
        "110105194912310021",  # wrong check character
        "3.71503E+17",  # Excel damage
        "371503202611020016",  # born the day after the as-of date (checksum right)
    ]
    from pipelines.standards import id_check_char

    values[-1] = values[-1][:17] + id_check_char(values[-1][:17])
    failing, _ = probe.failing("expect_column_values_to_be_valid_id_number", pd.DataFrame({"value": values}),
                               column="value", as_of="2026-11-01")
    assert failing == {5, 6, 7}
    # the same number is valid when the as-of date is its birth date
    failing, _ = probe.failing("expect_column_values_to_be_valid_id_number", pd.DataFrame({"value": values[-1:]}),
                               column="value", as_of="2026-11-02")
    assert failing == set()


def test_plausible_age_warns_over_120_only(probe: Probe) -> None:
    frame = pd.DataFrame({"value": ["440524188001010014", "11010519491231002X", "not a number", None]})
    failing, result = probe.failing("expect_column_values_to_have_plausible_age", frame, column="value",
                                    as_of="2026-11-01", max_age=120)
    assert failing == {0}
    assert result["element_count"] == 4 and result["missing_count"] == 1


def test_elicense_identifiers(probe: Probe) -> None:
    from stdnum.iso7064 import mod_37_36

    payload = ("11100000MB0000000K", "3715030000", "2026000123", "001")
    check = mod_37_36.calc_check_digit("".join(payload))
    good = "1.2.156.3005.2." + ".".join(payload) + "." + check
    wrong = good[:-1] + ("0" if check != "0" else "1")
    frame = pd.DataFrame({"value": [good, good.lower(), wrong, "1.2.156.3005.2.123", "证照123"]})
    failing, _ = probe.failing("expect_column_values_to_be_valid_elicense_id", frame, column="value")
    assert failing == {2, 3, 4}


def test_dates_not_after_the_as_of_date(probe: Probe) -> None:
    frame = pd.DataFrame(
        {"value": [date(2026, 11, 1), date(2026, 11, 2), "2030-01-01", "2020年1月2日", "garbled", pd.Timestamp("2027-01-01")]}
    )
    failing, _ = probe.failing("expect_column_values_to_be_dates_not_after", frame, column="value", as_of="2026-11-01")
    assert failing == {1, 2, 5}  # an unreadable date is the format check's


def test_house_numbers(probe: Probe) -> None:
    frame = pd.DataFrame(
        {"value": ["山东省聊城市茌平区博平镇东石营村23号", "中心大街145号17号楼1单元803室", "振兴街道12-3",
                   "东石营村二十三号", "山东省聊城市茌平区博平镇东石营村", "茌平区信发街道", "无"]}
    )
    failing, _ = probe.failing("expect_column_values_to_have_house_number", frame, column="value")
    assert failing == {4, 5}


def test_delivered_values_staging_could_not_read(probe: Probe) -> None:
    frame = pd.DataFrame(
        {
            "delivered": ["2020-01-02", "2020/13/45", "空", None, "43831", "NULL"],
            "staged": [date(2020, 1, 2), None, None, None, date(2020, 1, 1), None],
        }
    )
    failing, result = probe.failing("expect_column_pair_delivered_values_to_be_read", frame,
                                    column_A="delivered", column_B="staged")
    assert failing == {1}
    assert result["element_count"] - result["missing_count"] == 5  # the all-null row is ignored


def test_id_number_agrees_with_birth_date_and_gender(probe: Probe) -> None:
    ids = ["11010519491231002X", "11010519491231002X", "11010519491231002X", "3.71503E+17", "440524188001010014"]
    frame = pd.DataFrame(
        {
            "id": ids,
            "born": [date(1949, 12, 31), date(1949, 12, 30), "1949-12-31", date(1990, 1, 1), None],
            "gender": ["2", "1", "9", "1", "1"],
        }
    )
    failing, _ = probe.failing("expect_column_pair_id_number_to_agree_with_birth_date", frame, column_A="id", column_B="born")
    assert failing == {1}
    failing, _ = probe.failing("expect_column_pair_id_number_to_agree_with_gender", frame, column_A="id", column_B="gender")
    assert failing == {1}  # 9 (unstated) and unreadable numbers are not compared


def test_periods_in_order(probe: Probe) -> None:
    frame = pd.DataFrame(
        {
            "start": [date(2020, 1, 1), date(2022, 1, 1), date(2020, 1, 1), None, "2020-05-01"],
            "end": [date(2099, 12, 31), date(2021, 1, 1), date(2020, 1, 1), date(2020, 1, 1), "2020-04-30"],
        }
    )
    failing, _ = probe.failing("expect_column_pair_dates_to_be_in_order", frame, column_A="start", column_B="end")
    assert failing == {1, 4}


def test_declared_regex_rules(probe: Probe) -> None:
    from pipelines.quality.declarations import load_rules

    rules = load_rules(load_settings())
    damage = rules["no_spreadsheet_damage"]
    frame = pd.DataFrame({"a": ["3.71503E+17", "6222021234567890123", "x", "2.5万"], "b": ["ok", "ok", "1.5e10", None]})
    failing, _ = probe.failing(damage.expectation, frame, column_list=["a", "b"], **damage.kwargs)
    assert failing == {0, 2}
    garbled = rules["no_garbled_text"]
    frame = pd.DataFrame({"a": ["张?明", "张三", "王\ufffd", "锟斤拷", "李四"], "b": [None, "好", "好", "好", "李四？"]})
    failing, _ = probe.failing(garbled.expectation, frame, column_list=["a", "b"], **garbled.kwargs)
    assert failing == {0, 2, 3, 4}


def test_lengths_within_the_contract(probe: Probe) -> None:
    frame = pd.DataFrame({"a": ["汉族", "汉" * 30, None], "b": ["1", "2", "123456"]})
    failing, result = probe.failing("expect_multicolumn_value_lengths_to_be_at_most", frame,
                                    column_list=["a", "b"], max_lengths={"a": 20, "b": 5})
    assert failing == {1, 2}
    from pipelines.quality.conditions import offending

    flags = offending(frame, "expect_multicolumn_value_lengths_to_be_at_most",
                      {"column_list": ["a", "b"], "max_lengths": {"a": 20, "b": 5}})
    assert flags["a"].tolist() == [False, True, False] and flags["b"].tolist() == [False, False, True]
