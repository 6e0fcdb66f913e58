"""One tiny county per test session (generation is the slow part); tests only read it."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from pipelines.generator import GenerateSummary, generate
from pipelines.settings import Settings, load_settings
from generator.reader import Parsed, landing_files, read


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


@pytest.fixture(scope="session")
def defects(truth: Path) -> pl.DataFrame:
    return pl.read_parquet(truth / "defects.parquet")


@pytest.fixture(scope="session")
def rejected(defects: pl.DataFrame) -> set[str]:
    return set(defects.filter(pl.col("expected") == "rejected")["file"].to_list())


@pytest.fixture(scope="session")
def parsed(landing: Path, rejected: set[str]) -> list[Parsed]:
    """Every landing file read back, except the ones planted to be rejected."""
    files = [p for p in landing_files(landing) if p.relative_to(landing).as_posix() not in rejected]
    return [read(landing, p) for p in files]
