"""The generator's entry point: build the county, write every department's deliveries and the truth."""

from __future__ import annotations

import math
import shutil
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from pipelines.generator._authenticity import Planter
from pipelines.generator._context import CASE_SCHEMA, RESIDENTS, Context, stream
from pipelines.generator._emit import Emitted, ParquetAppender, StreamEmitter, emit
from pipelines.generator._geography import Geography, build_geography
from pipelines.generator._model import Delivery
from pipelines.generator._orgs import build_orgs
from pipelines.generator._population import Population, ShardIds, build_population
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
# A sharded run builds the sources about residents and households once per shard (a person's
# household, events, benefits, accounts and licences all live in the person's shard) and the
# sources about organisations, places and systems once for the county; together they are BUILDERS.
PER_SHARD: tuple[Builder, ...] = (
    gongan.build, minzheng.build_persons, renshe.build, weijian.build_persons, jiaoyu.build, zhujian.build,
    credit.build_persons, utilities.build,
)
COUNTY_WIDE: tuple[Builder, ...] = (
    minzheng.build_organisations, weijian.build_organisations, shichang.build, shuiwu.build, tongji.build,
    fagai.build, ziranziyuan.build, credit.build_organisations, dashuju.build,
)
# County-wide sources a sharded run builds before the shards: the planted cases about residents'
# business meters (in the first shard) need to know which enterprises report and pay tax.
EARLY: tuple[Builder, ...] = (shichang.build, shuiwu.build)
# Residents per shard when a scale is generated in shards (one shard's rows are in memory at a
# time); scales not listed are generated whole.
SHARD_RESIDENTS: dict[Scale, int] = {Scale.CITY: 500_000}


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


def generate(settings: Settings, scale: str | None = None, seed: int | None = None,
             shard_residents: int | None = None) -> GenerateSummary:
    """Write a sample county into `settings.landing_path` and its truth into `settings.truth_path`.

    Both folders are replaced. The same settings, scale and seed give byte-identical files.
    `city` (and any scale given `shard_residents`) is generated in shards of about that many
    residents, so that memory holds one shard's rows, not the city's (see `_generate_sharded`).
    """
    scale_value = Scale(scale) if scale is not None else settings.scale
    seed_value = settings.seed if seed is None else seed
    per_shard = shard_residents if shard_residents is not None else SHARD_RESIDENTS.get(scale_value)
    if per_shard is not None:
        if per_shard < 100:
            raise GovdataError(f"shards of {per_shard} residents are too small (at least 100)")
        return _generate_sharded(settings, scale_value, seed_value, per_shard)
    ctx = build_context(settings, scale_value, seed_value)
    landing, truth = settings.landing_path, settings.truth_path
    _reset(landing)
    _reset(truth)
    emitted: list[Emitted] = []
    planter = Planter(ctx)
    for builder in BUILDERS:
        # Builders yield one delivery at a time and each is written before the next is built,
        # so memory holds one file's rows (plus its source's stored table), not the county's.
        # The planter adds the authenticity cases to a delivery before it is written.
        for delivery in builder(ctx):
            emitted.append(emit(planter.plant(delivery), landing))
    summary = _write_truth(ctx, emitted)
    planter.write_truth(truth, [e.case_rows for e in emitted if e.case_rows is not None])
    return summary


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
    _write_cases_and_systems(ctx)
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


def _generate_sharded(settings: Settings, scale: Scale, seed: int, per_shard: int) -> GenerateSummary:
    """Generate the county in shards (blocks of households) that are never all in memory at once.

    1. Residents are built shard by shard, each from its own random stream, with identifiers
       that continue the earlier shards' (person and household ids, household numbers, ID-number
       sequences: see `ShardIds`); each shard is kept in the scratch folder as Parquet.
    2. Organisations are built once from every shard's living adults, so legal representatives
       are residents of any shard.
    3. Each shard is read back and the sources about persons are built from it, the rows of
       each delivery appended to the file every shard shares; serial numbers continue across
       shards. A person's household, events, benefits and accounts live in one shard, so every
       department sees the same person the same way.
    4. The sources about organisations, places and systems are built once, with the legal
       representatives of all shards and the shards' registered-resident counts.
    5. Files are finished, and the record truth written with each file's hash.
    """
    landing, truth = settings.landing_path, settings.truth_path
    county = settings.county
    total = RESIDENTS[scale]
    shards = max(1, math.ceil(total / per_shard))
    _reset(landing)
    _reset(truth)
    geo = build_geography(stream(seed, "geography"), county)
    with tempfile.TemporaryDirectory(prefix=".generate-", dir=truth.parent) as tmp:
        scratch = Path(tmp)
        files = _population_shards(settings, seed, geo, total, shards, scratch)
        essentials = pl.concat([pl.read_parquet(p, columns=["person_id", "birth_date", "death_date", "moved_out_date"])
                                for p, _ in files])
        factor = total / RESIDENTS[Scale.COUNTY]
        organisations = build_orgs(stream(seed, "orgs"), factor, settings.as_of, county,
                                   Population(essentials, pl.DataFrame()), geo.townships)
        del essentials
        residents = sum(pl.scan_parquet(p).filter(pl.col("resident")).select(pl.len()).collect().item()
                        for p, _ in files)
        emitter = StreamEmitter(landing, truth, scratch)
        # What every shard's context adds to: planted cases, systems, serial numbers issued.
        cases: list[pl.DataFrame] = []
        systems: list[pl.DataFrame] = []
        counters: dict[str, dict[object, int]] = {}
        counts = []
        orgs = organisations.orgs
        reps = pl.concat([orgs["legal_rep_id"], orgs["former_legal_rep_id"]]).drop_nulls().unique()
        representatives = pl.concat([pl.scan_parquet(p).filter(pl.col("person_id").is_in(reps.implode())).collect()
                                     for p, _ in files])
        wide = Context(settings=settings, scale=scale, seed=seed, geo=geo,
                       population=Population(representatives, pl.DataFrame()), organisations=organisations,
                       cases=cases, systems=systems, counters=counters)
        # The planter moves with the run: county-wide sources, each shard, county-wide again.
        planter = Planter(wide)
        for builder in EARLY:
            for delivery in builder(wide):
                emitter.add(planter.plant(delivery))
        for index, (persons_file, households_file) in enumerate(files):
            part = Population(pl.read_parquet(persons_file), pl.read_parquet(households_file))
            ctx = Context(settings=settings, scale=scale, seed=seed, geo=geo, population=part,
                          organisations=organisations, cases=cases, systems=systems, shard=index,
                          counters=counters)
            planter.use(ctx, share=int(part.persons["resident"].sum()) / max(1, residents))
            counts.append(tongji.registered_counts(ctx))
            for builder in PER_SHARD:
                for delivery in builder(ctx):
                    emitter.add(planter.plant(delivery))
            del ctx, part
        ctx = wide
        ctx.registered = tongji.add_counts(counts)
        planter.use(ctx)
        for builder in COUNTY_WIDE:
            if builder in EARLY:
                continue
            for delivery in builder(ctx):
                emitter.add(planter.plant(delivery))
        totals = emitter.close()
        _concat_parquet([p for p, _ in files], truth / "persons.parquet")
        _concat_parquet([h for _, h in files], truth / "households.parquet")
    orgs.write_parquet(truth / "orgs.parquet")
    _write_cases_and_systems(ctx)
    planter.write_truth(truth, emitter.case_rows)
    return GenerateSummary(
        scale=scale.value, seed=seed, as_of=settings.as_of.isoformat(), landing=landing, truth=truth,
        residents=residents, organisations=orgs.height, files=totals.files,
        rows=sum(totals.rows_per_source.values()), person_records=totals.person_records,
        org_records=totals.org_records, defects=totals.defects, rows_per_source=totals.rows_per_source,
    )


def _population_shards(settings: Settings, seed: int, geo: Geography, total: int, shards: int,
                       scratch: Path) -> list[tuple[Path, Path]]:
    """Build the residents shard by shard into scratch Parquet files (persons, households)."""
    ids = ShardIds(index=0, count=shards)
    files = []
    for index in range(shards):
        target = total // shards + (total % shards if index == shards - 1 else 0)
        population = build_population(stream(seed, "population", index), target, settings.as_of,
                                      settings.county, geo, ids)
        persons_file, households_file = scratch / f"persons{index}.parquet", scratch / f"households{index}.parquet"
        population.persons.write_parquet(persons_file)
        population.households.write_parquet(households_file)
        files.append((persons_file, households_file))
        ids.advance(population)
    return files


def _concat_parquet(parts: list[Path], target: Path) -> None:
    """One Parquet file from several with the same columns, one part in memory at a time."""
    first = pl.read_parquet(parts[0])
    writer = ParquetAppender(target, dict(first.schema))
    writer.write(first)
    del first
    for part in parts[1:]:
        writer.write(pl.read_parquet(part))
    writer.close()


def _write_cases_and_systems(ctx: Context) -> None:
    """The planted authenticity cases (numbered in the order they were planted) and the systems."""
    truth = ctx.settings.truth_path
    cases = pl.concat(ctx.cases) if ctx.cases else pl.DataFrame(schema=CASE_SCHEMA)
    cases.with_columns(case_id=pl.concat_str(pl.lit("C"), pl.int_range(1, pl.len() + 1).cast(pl.String).str.zfill(5))
                       ).select("case_id", *CASE_SCHEMA).write_parquet(truth / "authenticity_cases.parquet")
    pl.concat(ctx.systems).write_parquet(truth / "systems.parquet")
