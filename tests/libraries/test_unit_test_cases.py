"""The dbt unit tests of the standardisation say what the standards fixture says.

The unit tests (`dbt_project/models/intermediate/*/_standardisation__unit_tests.yml`) feed raw
spellings through the staging models and expect standardised values; here every expectation is
checked against `tests/fixtures/standards_cases.json` (the one list of worked examples and messy
spellings every implementation passes), and the `source_node` overrides they need are checked
against the generated source YAML, so neither can drift.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
DBT = ROOT / "dbt_project"
UNIT_TEST_FILES = sorted((DBT / "models" / "intermediate").glob("*/_standardisation__unit_tests.yml"))
FIXTURE = json.loads((ROOT / "tests" / "fixtures" / "standards_cases.json").read_text(encoding="utf-8"))

# staging standardiser -> (fixture section, fixture field holding the expected value)
EXPECTED_FIELD = {
    "id_number": ("id_number", "normalised"),
    "credit_code": ("credit_code", "normalised"),
    "date": ("date", "date"),
    "phone": ("phone", "normalised"),
    "name": ("name", "normalised"),
    "division_code": ("division_code", "current"),
}
VALID_FIELD = {"id_number": "id_number", "credit_code": "credit_code", "division_code": "division_code"}


def _unit_tests() -> list[dict[str, Any]]:
    tests = []
    for path in UNIT_TEST_FILES:
        tests.extend(yaml.safe_load(path.read_text(encoding="utf-8"))["unit_tests"])
    return tests


def _source_columns(source: str) -> dict[str, dict[str, Any]]:
    department, table = source.split("__", 1)
    spec = yaml.safe_load((DBT / "models" / "staging" / department / f"_{department}__sources.yml").read_text())
    node = next(t for t in spec["sources"][0]["tables"] if t["name"] == table)
    return {c["name"]: c["meta"] for c in node["columns"]}


def _fixture_case(section: str, raw: str) -> dict[str, Any]:
    matches = [c for c in FIXTURE[section] if c["raw"] == raw]
    assert matches, f"{raw!r} is not a {section} case of the fixture"
    return matches[0]


def _checked_pairs(test: dict[str, Any]) -> list[tuple[str, str, Any, str]]:
    """(standardiser, raw value, expected value, field) for every case a unit test holds."""
    columns = test["overrides"]["macros"]["source_node"]["columns"]
    given = test["given"][0]["rows"]
    expected = {row["source_line"]: row for row in test["expect"]["rows"] if "source_line" in row}
    pairs = []
    for row in given:
        out = expected.get(row["_line"])
        if out is None:
            continue
        for header, column in columns.items():
            meta = column["meta"]
            if header in row and meta["name"] in out and meta["standardiser"] in EXPECTED_FIELD:
                pairs.append((meta["standardiser"], row[header], out[meta["name"]], "value"))
                valid = f"is_{meta['name']}_valid"
                if meta["standardiser"] in VALID_FIELD and valid in out:
                    pairs.append((meta["standardiser"], row[header], out[valid], "valid"))
    return pairs


STANDARDISING = [t for t in _unit_tests() if "overrides" in t and t["expect"]["rows"] and "source_line" in t["expect"]["rows"][0]]


def test_there_are_standardisation_unit_tests() -> None:
    assert len(STANDARDISING) >= 2
    assert sum(len(_checked_pairs(t)) for t in STANDARDISING) >= 40


@pytest.mark.parametrize("test", _unit_tests(), ids=lambda t: t["name"])
def test_source_node_overrides_match_the_generated_sources(test: dict[str, Any]) -> None:
    override = test.get("overrides", {}).get("macros", {}).get("source_node")
    if override is None:
        pytest.skip("no source_node override")
    generated = _source_columns(override["meta"]["source"])
    for header, column in override["columns"].items():
        assert header in generated, f"{header} is not a column of {override['meta']['source']}"
        for key in ("name", "standardiser"):
            assert column["meta"][key] == generated[header][key], (header, key)


@pytest.mark.parametrize("test", STANDARDISING, ids=lambda t: t["name"])
def test_unit_test_expectations_equal_the_fixture(test: dict[str, Any]) -> None:
    for standardiser, raw, expected, field in _checked_pairs(test):
        if standardiser == "gender":
            continue
        section, value_field = EXPECTED_FIELD[standardiser]
        case = _fixture_case(section, raw)
        if field == "valid":
            assert expected == case["valid"], (raw, expected, case)
        else:
            assert expected == case[value_field], (raw, expected, case)


def test_set_based_checks_unit_test_covers_the_fixture() -> None:
    # The unit test of macros/standards_sql.sql feeds normalised values (as staging leaves them):
    # every normalised ID number and phone of the fixture, with the fixture's verdicts.
    path = DBT / "models" / "intermediate" / "population" / "_population__unit_tests.yml"
    test = next(
        t for t in yaml.safe_load(path.read_text(encoding="utf-8"))["unit_tests"]
        if t["name"] == "resolved_records_check_ids_and_phones_like_the_standards"
    )
    given = {r["record_id"]: r for r in test["given"][0]["rows"]}
    expected = {r["record_id"]: r for r in test["expect"]["rows"]}
    ids = {r["id_number"] for r in given.values() if r["id_number"] is not None}
    phones = {r["phone"] for r in given.values() if r["phone"] is not None}
    assert ids == {c["normalised"] for c in FIXTURE["id_number"] if c["normalised"] is not None}
    assert phones == {c["normalised"] for c in FIXTURE["phone"] if c["normalised"] is not None}
    for record_id, row in given.items():
        out = expected[record_id]
        if row["id_number"] is not None:
            case = next(c for c in FIXTURE["id_number"] if c["normalised"] == row["id_number"])
            assert out["is_id_number_valid"] == case["valid"], case
            if case["valid"]:
                assert (out["id_birth_date"], out["id_gender"]) == (case["birth_date"], case["gender"]), case
        if row["phone"] is not None:
            case = next(c for c in FIXTURE["phone"] if c["normalised"] == row["phone"])
            assert out["is_phone_valid"] == case["valid"], case
