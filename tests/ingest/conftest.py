"""Fixtures of the ingest tests: crafted contracts as the whole registry, an empty landing
folder and warehouse per test."""

from __future__ import annotations

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


@pytest.fixture
def env(tmp_settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Env:
    crafted.install(monkeypatch)
    tmp_settings.landing_path.mkdir(parents=True, exist_ok=True)
    return Env(tmp_settings, monkeypatch)
