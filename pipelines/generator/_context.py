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
    # Sharded runs (city): which block of households this context holds (None: the whole county),
    # the serial numbers already issued by earlier shards (shared by every shard's context), and
    # county-wide aggregates a source needs that no single shard can count.
    shard: int | None = None
    counters: dict[str, dict[object, int]] = field(default_factory=dict)
    registered: pl.DataFrame | None = None

    def add_cases(self, kind: str, source: str, entity_kind: str, entity_id: pl.Series,
                  detail: pl.Series | str, expected: str = "flagged") -> None:
        """Plant authenticity cases the checks must find (expected outcome: flagged), or
        near-misses they must leave alone (`expected="not_flagged"`)."""
        n = len(entity_id)
        self.cases.append(pl.DataFrame({
            "kind": [kind] * n,
            "source": [source] * n,
            "entity_kind": [entity_kind] * n,
            "entity_id": entity_id.cast(pl.String),
            "detail": detail if isinstance(detail, pl.Series) else [detail] * n,
            "expected": [expected] * n,
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
        """A random stream of its own per purpose, so adding a source never shifts another's data.

        Each shard of a sharded run draws from its own stream, so shards are not copies of
        one another; the whole county (and a sharded run's county-wide sources) draw as before.
        """
        return stream(self.seed, name, self.shard)

    @property
    def first_shard(self) -> bool:
        """Whether this context is the whole county or the first shard (one-off plantings go here)."""
        return not self.shard

    def serial_start(self, name: str, n: int) -> int:
        """First 1-based serial number for `n` new rows of numbering `name`, continuing the
        numbers earlier shards issued (1 for the whole county), so numbers stay unique in a file."""
        issued = self.counters.setdefault(name, {})
        start = issued.get(None, 0) + 1
        issued[None] = start - 1 + n
        return start

    def group_serials(self, name: str, groups: pl.Series) -> pl.Series:
        """1-based serial numbers within each group, in row order, after those earlier shards
        issued in the same group (`int_range(1, len + 1).over(group)` for the whole county)."""
        issued = self.counters.setdefault(name, {})
        frame = pl.DataFrame({"g": groups}).with_columns(n=pl.int_range(1, pl.len() + 1).over("g"))
        keys = frame["g"].unique(maintain_order=True).to_list()
        before = {k: issued.get(k, 0) for k in keys}
        counts = frame.group_by("g", maintain_order=True).agg(pl.len())
        for key, count in zip(counts["g"].to_list(), counts["len"].to_list(), strict=True):
            issued[key] = before[key] + int(count)
        if not any(before.values()):
            return frame["n"]
        offset = frame["g"].replace_strict(list(before), list(before.values()), return_dtype=pl.Int64)
        return frame["n"] + offset


def stream(seed: int, name: str, shard: int | None = None) -> np.random.Generator:
    """The seeded random stream of a purpose (and of a shard, in a sharded run)."""
    key = [seed, zlib.crc32(name.encode())]
    return np.random.default_rng(key if shard is None else [*key, shard])
