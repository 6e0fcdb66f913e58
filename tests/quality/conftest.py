"""Fixtures of the quality tests: settings pointing at a temporary warehouse and project root."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from pipelines.settings import Settings, load_settings
from quality.helpers import make_project


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    root = make_project(tmp_path / "project")
    return load_settings(
        root=root,
        warehouse=tmp_path / "warehouse" / "govdata.duckdb",
        landing=tmp_path / "landing",
        reports=tmp_path / "reports",
        as_of=date(2026, 11, 1),
    )
