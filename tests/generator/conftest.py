"""One tiny county per test session (generation is the slow part); tests only read it."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipelines.generator import GenerateSummary, generate
from pipelines.settings import Settings, load_settings


@pytest.fixture(scope="session")
def tiny_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    base = tmp_path_factory.mktemp("tiny")
    return load_settings(landing=base / "landing", truth=base / "truth", scale="tiny")


@pytest.fixture(scope="session")
def tiny_county(tiny_settings: Settings) -> GenerateSummary:
    return generate(tiny_settings)


@pytest.fixture(scope="session")
def landing(tiny_county: GenerateSummary) -> Path:
    return tiny_county.landing


@pytest.fixture(scope="session")
def truth(tiny_county: GenerateSummary) -> Path:
    return tiny_county.truth
