"""Fixtures of the ingest tests: crafted contracts as the whole registry, an empty landing
folder and warehouse per test."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from ingest import crafted
from pipelines.ingest import IngestSummary, ingest
from pipelines.settings import Settings, load_settings


@dataclass
class Env:
    settings: Settings
    monkeypatch: pytest.MonkeyPatch

    @property
    def landing(self) -> Path:
        return self.settings.landing_path

    @property
    def warehouse(self) -> Path:
        return self.settings.warehouse_path

    def deliver(self, name: str, content: bytes | str, **kw: Any) -> Path:
        return crafted.deliver(self.landing, name, content, **kw)

    def run(self, as_of: date | None = None, **kw: Any) -> IngestSummary:
        settings = self.settings if as_of is None else load_settings(as_of=as_of)
        return ingest(settings, **kw)


def fast_tmp_dir(prefix: str) -> Path:
    """A scratch folder in memory when the machine has one: the ingest commits (and fsyncs)
    once per file, and on a shared disk those syncs, not the ingest, dominate test time."""
    shm = Path("/dev/shm")
    return Path(tempfile.mkdtemp(prefix=prefix, dir=shm if shm.is_dir() else None))


@pytest.fixture
def env(tmp_settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Iterator[Env]:
    crafted.install(monkeypatch)
    scratch = fast_tmp_dir("ingest-test-")
    monkeypatch.setenv("GOVDATA_WAREHOUSE", str(scratch / "govdata.duckdb"))
    settings = load_settings()
    settings.landing_path.mkdir(parents=True, exist_ok=True)
    try:
        yield Env(settings, monkeypatch)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
