"""The generator's entry point: build the county, write every department's deliveries and the truth."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from pipelines.generator._context import CASE_SCHEMA, RESIDENTS, Context, stream
from pipelines.generator._emit import Emitted, emit
from pipelines.generator._geography import build_geography
from pipelines.generator._model import Delivery
from pipelines.generator._orgs import build_orgs
from pipelines.generator._population import build_population
from pipelines.generator._sources import (
    credit,
    dashuju,
    fagai,
    gongan,
    jiaoyu,
    minzheng,
    renshe,
    shichang,
    shuiwu,
    tongji,
    utilities,
    weijian,
    zhujian,
    ziranziyuan,
)
from pipelines.errors import GovdataError
from pipelines.settings import Scale, Settings

Builder = Callable[[Context], Iterable[Delivery]]
BUILDERS: tuple[Builder, ...] = (
    gongan.build, minzheng.build, renshe.build, weijian.build, jiaoyu.build, shichang.build,
    shuiwu.build, tongji.build, fagai.build, ziranziyuan.build, zhujian.build, credit.build,
    utilities.build, dashuju.build,
)


@dataclass(frozen=True)
class GenerateSummary:
    """What a generate run wrote (counts, not timings: same seed, same summary)."""

    scale: str
    seed: int
    as_of: str
    landing: Path
    truth: Path
    residents: int
    organisations: int
    files: int
    rows: int
    person_records: int
    org_records: int
    defects: int
    rows_per_source: dict[str, int] = field(default_factory=dict)


def _reset(folder: Path) -> None:
    """Empty a folder the generator owns (landing or truth) so no earlier file survives."""
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)


def build_context(settings: Settings, scale: Scale, seed: int) -> Context:
    """The true county: geography, residents and migrants, organisations."""
    geo = build_geography(stream(seed, "geography"), settings.county)
    population = build_population(
        stream(seed, "population"), RESIDENTS[scale], settings.as_of, settings.county, geo
    )
    factor = RESIDENTS[scale] / RESIDENTS[Scale.COUNTY]
    orgs = build_orgs(stream(seed, "orgs"), factor, settings.as_of, settings.county, population, geo.townships)
    return Context(settings=settings, scale=scale, seed=seed, geo=geo, population=population,
                   organisations=orgs)


def generate(settings: Settings, scale: str | None = None, seed: int | None = None) -> GenerateSummary:
    """Write a sample county into `settings.landing_path` and its truth into `settings.truth_path`.

    Both folders are replaced. The same settings, scale and seed give byte-identical files.
    """
    scale_value = Scale(scale) if scale is not None else settings.scale
    if scale_value is Scale.CITY:
        # Every source is built from a whole population in memory: 6 million residents would
        # need ~25 GB. Refuse clearly rather than exhaust a shared machine.
        raise GovdataError("generate --scale city is not supported yet (needs sharded streaming); use county")
    seed_value = settings.seed if seed is None else seed
    ctx = build_context(settings, scale_value, seed_value)
    landing, truth = settings.landing_path, settings.truth_path
    _reset(landing)
    _reset(truth)
    emitted: list[Emitted] = []
    for builder in BUILDERS:
        # Builders yield one delivery at a time and each is written before the next is built,
        # so memory holds one file's rows (plus its source's stored table), not the county's.
        for delivery in builder(ctx):
            emitted.append(emit(delivery, landing))
    return _write_truth(ctx, emitted)


def _write_truth(ctx: Context, emitted: list[Emitted]) -> GenerateSummary:
    truth = ctx.settings.truth_path
    current = [e for e in emitted if e.current and not e.replaced]
    records = pl.concat([e.records for e in current])
    person_records = records.filter(pl.col("kind") == "person").select(
        "source", "record_id", pl.col("entity_id").alias("person_id"), "role")
    org_records = records.filter(pl.col("kind") == "org").select(
        "source", "record_id", pl.col("entity_id").alias("org_id"), "role")
    defects = pl.concat([e.defects for e in emitted])
    p = ctx.population
    p.persons.write_parquet(truth / "persons.parquet")
    p.households.write_parquet(truth / "households.parquet")
    ctx.orgs.write_parquet(truth / "orgs.parquet")
    person_records.write_parquet(truth / "person_records.parquet")
    org_records.write_parquet(truth / "org_records.parquet")
    defects.write_parquet(truth / "defects.parquet")
    cases = pl.concat(ctx.cases) if ctx.cases else pl.DataFrame(schema=CASE_SCHEMA)
    cases.with_columns(case_id=pl.concat_str(pl.lit("C"), pl.int_range(1, pl.len() + 1).cast(pl.String).str.zfill(5))
                       ).select("case_id", *CASE_SCHEMA).write_parquet(truth / "authenticity_cases.parquet")
    pl.concat(ctx.systems).write_parquet(truth / "systems.parquet")
    rows: dict[str, int] = {}
    for e in emitted:
        rows[e.source] = rows.get(e.source, 0) + e.rows
    return GenerateSummary(
        scale=ctx.scale.value,
        seed=ctx.seed,
        as_of=ctx.as_of.isoformat(),
        landing=ctx.settings.landing_path,
        truth=truth,
        residents=int(p.persons["resident"].sum()),
        organisations=ctx.orgs.height,
        files=len(emitted),
        rows=sum(rows.values()),
        person_records=person_records.height,
        org_records=org_records.height,
        defects=defects.height,
        rows_per_source=dict(sorted(rows.items())),
    )
