"""Fixtures of the report's tests: a crafted warehouse (tests/report/crafted.py) per test."""

from __future__ import annotations

from collections.abc import Iterator

import duckdb
import pytest

from pipelines.report import RunContext, resolve_run
from pipelines.settings import Settings
from pipelines.warehouse import connect
from report.crafted import craft


@pytest.fixture
def crafted(tmp_settings: Settings) -> Settings:
    """Two runs, with findings."""
    craft(tmp_settings)
    return tmp_settings


@pytest.fixture
def session(crafted: Settings) -> Iterator[tuple[duckdb.DuckDBPyConnection, RunContext]]:
    """A connection to the crafted warehouse and the latest run's context, counts stored."""
    from pipelines.report._reconciliation import store

    with connect(crafted) as con:
        context = resolve_run(con, crafted)
        store(con, context)
        yield con, context

