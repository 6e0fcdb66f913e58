"""The standards fixture: worked examples from ../shared/standards.md and messy spellings.

`load_standard_cases()` is the one way to read it; dbt unit tests, GX expectations and the
resolver's tests load the same file (`STANDARD_CASES_PATH`).
"""

from __future__ import annotations

import json
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

import pytest

from pipelines.settings import CountyProfile, load_settings

STANDARD_CASES_PATH = Path(__file__).resolve().parents[1] / "fixtures" / "standards_cases.json"


@lru_cache(maxsize=1)
def load_standard_cases() -> dict[str, Any]:
    """The fixture as a dict: {"as_of", "county", "id_number": [...], "credit_code": [...], ...}."""
    with STANDARD_CASES_PATH.open(encoding="utf-8") as handle:
        data: dict[str, Any] = json.load(handle)
    return data


def cases(section: str) -> list[dict[str, Any]]:
    """One section of the fixture (for `pytest.mark.parametrize`)."""
    return list(load_standard_cases()[section])


def case_id(case: dict[str, Any]) -> str:
    raw = case.get("raw", case.get("value"))
    return repr(raw)[:40]


FIXTURE_AS_OF = date.fromisoformat(load_standard_cases()["as_of"])


@pytest.fixture(scope="session")
def standard_cases() -> dict[str, Any]:
    return load_standard_cases()


@pytest.fixture(scope="session")
def county() -> CountyProfile:
    """The default county profile (Chiping), the one the fixture's division cases are written for."""
    profile = load_settings().county
    assert profile.code == load_standard_cases()["county"]
    return profile
