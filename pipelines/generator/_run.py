"""The generator's entry point: build the county, write every department's deliveries and the truth."""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from pipelines.generator._context import Context, RESIDENTS, stream
from pipelines.generator._emit import Emitted, emit
from pipelines.generator._geography import build_geography
from pipelines.generator._model import Delivery
from pipelines.generator._population import build_population
from pipelines.generator._sources import gongan
from pipelines.settings import Scale, Settings

BUILDERS = (gongan.build,)


@dataclass(frozen=True)
class GenerateSummary:
    """What a generate run wrote (counts, not timings: same seed, same summary)."""

    scale: str
    seed: int
    as_of: str
    landing: Path
    truth: Path
    residents: int
    files: int
    rows: int
    person_records: int
    org_records: int
    defects: int
    files_per_source: dict[str, int] = field(default_factory=dict)


def _reset(folder: Path) -> None:
    """Empty a folder the generator owns (landing or truth) so no earlier file survives."""
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)


def generate(settings: Settings, scale: str | None = None, seed: int | None = None) -> GenerateSummary:
    """Write a sample county into `settings.landing_path` and its truth into `settings.truth_path`.

    Both folders are replaced. The same settings, scale and seed give byte-identical files.
    """
    scale_value = Scale(scale) if scale is not None else settings.scale
    seed_value = settings.seed if seed is None else seed
    geo = build_geography(stream(seed_value, "geography"), settings.county)
    population = build_population(
        stream(seed_value, "population"), RESIDENTS[scale_value], settings.as_of, settings.county, geo
    )
    ctx = Context(settings=settings, scale=scale_value, seed=seed_value, geo=geo, population=population)
    deliveries: list[Delivery] = []
    for builder in BUILDERS:
        deliveries.extend(builder(ctx))
    landing, truth = settings.landing_path, settings.truth_path
    _reset(landing)
    _reset(truth)
    emitted = [emit(d, landing) for d in deliveries]
    return _write_truth(ctx, emitted, scale_value, seed_value)


def _write_truth(ctx: Context, emitted: list[Emitted], scale: Scale, seed: int) -> GenerateSummary:
    truth = ctx.settings.truth_path
    current = [e for e in emitted if e.delivery.current and not e.delivery.replaced]
    records = pl.concat([e.records for e in current]) if current else pl.DataFrame()
    person_records = records.filter(pl.col("kind") == "person").select(
        "source", "record_id", pl.col("entity_id").alias("person_id"), "role")
    org_records = records.filter(pl.col("kind") == "org").select(
        "source", "record_id", pl.col("entity_id").alias("org_id"), "role")
    defects = pl.concat([e.defects for e in emitted])
    p = ctx.population
    p.persons.write_parquet(truth / "persons.parquet")
    p.households.write_parquet(truth / "households.parquet")
    person_records.write_parquet(truth / "person_records.parquet")
    org_records.write_parquet(truth / "org_records.parquet")
    defects.write_parquet(truth / "defects.parquet")
    per_source: dict[str, int] = {}
    for e in emitted:
        per_source[e.delivery.contract.source] = per_source.get(e.delivery.contract.source, 0) + 1
    return GenerateSummary(
        scale=scale.value,
        seed=seed,
        as_of=ctx.as_of.isoformat(),
        landing=ctx.settings.landing_path,
        truth=truth,
        residents=p.persons.height,
        files=len(emitted),
        rows=sum(e.delivery.frame.height for e in emitted),
        person_records=person_records.height,
        org_records=org_records.height,
        defects=defects.height,
        files_per_source=dict(sorted(per_source.items())),
    )
