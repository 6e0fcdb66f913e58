"""Everything a source builder may use: settings, the true county, seeded random streams."""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from datetime import date

import numpy as np

from pipelines.generator._geography import Geography
from pipelines.generator._population import Population
from pipelines.settings import Scale, Settings

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

    @property
    def as_of(self) -> date:
        return self.settings.as_of

    @property
    def residents(self) -> int:
        return RESIDENTS[self.scale]

    def rng(self, name: str) -> np.random.Generator:
        """A random stream of its own per purpose, so adding a source never shifts another's data."""
        return np.random.default_rng([self.seed, zlib.crc32(name.encode())])


def stream(seed: int, name: str) -> np.random.Generator:
    return np.random.default_rng([seed, zlib.crc32(name.encode())])
