"""Fixtures of the quality tests: settings pointing at a temporary warehouse."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from pipelines.settings import Settings, load_settings


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return load_settings(
        warehouse=tmp_path / "warehouse" / "govdata.duckdb",
        landing=tmp_path / "landing",
        reports=tmp_path / "reports",
        as_of=date(2026, 11, 1),
    )
