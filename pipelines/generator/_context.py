"""Everything a source builder may use: settings, the true county, seeded random streams."""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field
from datetime import date

import numpy as np

import polars as pl

from pipelines.generator._geography import Geography
from pipelines.generator._orgs import Orgs
from pipelines.generator._population import Population
from pipelines.settings import Scale, Settings

CASE_SCHEMA = {"kind": pl.String, "source": pl.String, "entity_kind": pl.String, "entity_id": pl.String,
               "detail": pl.String, "expected": pl.String}

RESIDENTS: dict[Scale, int] = {
    Scale.TINY: 2_000,
    Scale.SMALL: 20_000,
    Scale.COUNTY: 550_000,
    Scale.CITY: 6_000_000,
}


@dataclass
class Context:
    """The true county and the run's parameters, shared by every source builder."""

    settings: Settings
    scale: Scale
    seed: int
    geo: Geography
    population: Population
    organisations: Orgs
    cases: list[pl.DataFrame] = field(default_factory=list)
    systems: list[pl.DataFrame] = field(default_factory=list)

    def add_cases(self, kind: str, source: str, entity_kind: str, entity_id: pl.Series,
                  detail: pl.Series | str) -> None:
        """Plant authenticity cases the checks must find (expected outcome: flagged)."""
        n = len(entity_id)
        self.cases.append(pl.DataFrame({
            "kind": [kind] * n,
            "source": [source] * n,
            "entity_kind": [entity_kind] * n,
            "entity_id": entity_id.cast(pl.String),
            "detail": detail if isinstance(detail, pl.Series) else [detail] * n,
            "expected": ["flagged"] * n,
        }, schema=CASE_SCHEMA))

    @property
    def orgs(self) -> pl.DataFrame:
        return self.organisations.orgs

    @property
    def departments(self) -> list[tuple[str, str]]:
        """(department code, official name) of the government departments."""
        d = self.organisations.departments
        return list(zip(d["department"].to_list(), d["name"].to_list(), strict=True))

    def department(self, code: str) -> dict[str, str]:
        """Name, credit code and org id of a department."""
        row = self.organisations.departments.filter(pl.col("department") == code).row(0, named=True)
        return {"name": row["name"], "uscc": row["uscc"], "org_id": row["org_id"]}

    @property
    def as_of(self) -> date:
        return self.settings.as_of

    @property
    def residents(self) -> int:
        return RESIDENTS[self.scale]

    @property
    def factor(self) -> float:
        """Size relative to the real county (Chiping, 550,000 residents)."""
        return RESIDENTS[self.scale] / RESIDENTS[Scale.COUNTY]

    def rng(self, name: str) -> np.random.Generator:
        """A random stream of its own per purpose, so adding a source never shifts another's data."""
        return np.random.default_rng([self.seed, zlib.crc32(name.encode())])


def stream(seed: int, name: str) -> np.random.Generator:
    return np.random.default_rng([seed, zlib.crc32(name.encode())])
