"""Names and places: correction suffixes, parts, delivery folders, contract matching."""

from __future__ import annotations

from datetime import date

import pytest

from ingest import crafted
from pipelines.ingest import NO_CONTRACT, match
from pipelines.ingest._landing import natural_key, parse_delivery_date, split_correction


@pytest.mark.parametrize(
    ("name", "base", "correction"),
    [
        ("户籍人口.csv", "户籍人口.csv", False),
        ("户籍人口_更正.csv", "户籍人口.csv", True),
        ("户籍人口更正版.csv", "户籍人口.csv", True),
        ("户籍人口_v2.csv", "户籍人口.csv", True),
        ("户籍人口-V10.csv", "户籍人口.csv", True),
        ("户籍人口(1).csv", "户籍人口.csv", True),
        ("户籍人口（2）.csv", "户籍人口.csv", True),
        ("户籍人口_更正(1).csv", "户籍人口.csv", True),
        ("户籍人口_part2.csv", "户籍人口_part2.csv", False),
        ("户籍人口_part2_更正.csv", "户籍人口_part2.csv", True),
        ("户籍人口_20261001.csv", "户籍人口_20261001.csv", False),
        ("dev2.csv", "dev2.csv", False),
        ("更正.csv", "更正.csv", False),
    ],
)
def test_correction_suffixes(name: str, base: str, correction: bool) -> None:
    assert split_correction(name) == (base, correction)


def test_natural_order_puts_v10_after_v2() -> None:
    names = ["a_v10.csv", "a_v2.csv", "a_part10.csv", "a_part2.csv"]
    assert sorted(names, key=natural_key) == ["a_part2.csv", "a_part10.csv", "a_v2.csv", "a_v10.csv"]


@pytest.mark.parametrize(
    ("folder", "expected"),
    [("2026-10-01", date(2026, 10, 1)), ("2026-1-5", date(2026, 1, 5)), ("2026-02-30", None),
     ("latest", None), ("20261001", None)],
)
def test_delivery_dates(folder: str, expected: date | None) -> None:
    assert parse_delivery_date(folder) == expected


def test_matching_tolerates_corrections_and_other_extensions(monkeypatch) -> None:
    strict = crafted.PEOPLE.model_copy(update={"file_pattern": r"^人员名单\.csv$"})
    monkeypatch.setattr("pipelines.contracts.all_contracts", lambda: (strict,))
    assert match("civil", "人员名单.csv")[0] is strict
    assert match("civil", "人员名单_更正.csv")[0] is strict
    contract, reason, note = match("civil", "人员名单.xlsx")
    assert contract is strict and reason is None and ".csv" in note
    assert match("civil", "别的.csv") == (None, NO_CONTRACT, None)
    assert match("other", "人员名单.csv") == (None, NO_CONTRACT, None)


def test_a_name_two_contracts_claim_is_rejected_with_both_names(monkeypatch) -> None:
    twin = crafted.PEOPLE.model_copy(update={"table": "twin"})
    monkeypatch.setattr("pipelines.contracts.all_contracts", lambda: (crafted.PEOPLE, twin))
    contract, reason, _ = match("civil", "人员名单.csv")
    assert contract is None and "civil__people" in reason and "civil__twin" in reason
