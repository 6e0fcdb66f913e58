"""Shared fixtures: every test gets settings pointing at its own temporary folders, so no test
touches the project's data/ folder or another test's warehouse."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from pipelines.settings import Settings, load_settings

_ISOLATED = ("GOVDATA_WAREHOUSE", "GOVDATA_LANDING", "GOVDATA_TRUTH", "GOVDATA_REPORTS",
             "GOVDATA_OPEN_DIR", "GOVDATA_SHARE_DIR", "GOVDATA_SCALE", "GOVDATA_LOGS", "GOVDATA_DISPOSITIONS_DIR",
             "GOVDATA_LINEAGE_DIR", "GOVDATA_CATALOG_DIR", "GOVDATA_REQUESTS_DIR", "GOVDATA_APPROVALS_DIR")
_AIRFLOW_HOME = pytest.StashKey[Path]()


@pytest.fixture
def tmp_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Settings]:
    """Settings whose every path is under tmp_path (also exported as GOVDATA_* variables, so
    code that calls get_settings() and subprocesses see the same)."""
    values = {
        "GOVDATA_WAREHOUSE": str(tmp_path / "warehouse" / "govdata.duckdb"),
        "GOVDATA_LANDING": str(tmp_path / "landing"),
        "GOVDATA_TRUTH": str(tmp_path / "truth"),
        "GOVDATA_REPORTS": str(tmp_path / "reports"),
        "GOVDATA_OPEN_DIR": str(tmp_path / "open"),
        "GOVDATA_SHARE_DIR": str(tmp_path / "share"),
        "GOVDATA_DISPOSITIONS_DIR": str(tmp_path / "dispositions"),
        "GOVDATA_CATALOG_DIR": str(tmp_path / "catalog"),
        "GOVDATA_REQUESTS_DIR": str(tmp_path / "requests"),
        "GOVDATA_APPROVALS_DIR": str(tmp_path / "approvals"),
        "GOVDATA_SCALE": "tiny",
        "GOVDATA_LOGS": str(tmp_path / "logs"),
        "GOVDATA_LINEAGE_DIR": str(tmp_path / "lineage"),
    }
    for key in _ISOLATED:
        monkeypatch.delenv(key, raising=False)
    for key, value in values.items():
        monkeypatch.setenv(key, value)
    yield load_settings()


@pytest.fixture(scope="session")
def project_root() -> Path:
    return Path(__file__).resolve().parents[1]


def pytest_configure(config: pytest.Config) -> None:
    # Tests never talk to the project's real Airflow home. One home for the whole session:
    # Airflow binds its metadata database when it is first imported, so a test that pointed
    # AIRFLOW_HOME elsewhere later would talk to a database nobody migrated.
    home = Path(tempfile.mkdtemp(prefix="govdata-test-airflow-"))
    config.stash[_AIRFLOW_HOME] = home
    os.environ["AIRFLOW_HOME"] = str(home)
    os.environ.setdefault("AIRFLOW__CORE__LOAD_EXAMPLES", "False")


def pytest_unconfigure(config: pytest.Config) -> None:
    home = config.stash.get(_AIRFLOW_HOME, None)
    if home is not None:
        shutil.rmtree(home, ignore_errors=True)
