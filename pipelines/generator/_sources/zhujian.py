"""Housing (县住建局): property registrations each month, owner and co-owner."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import numpy as np
import polars as pl

from pipelines.contracts import get_contract
from pipelines.generator._context import Context
from pipelines.generator._mess import Mess
from pipelines.generator._model import Delivery
from pipelines.generator._sources import _common as c

USES = np.array(["住宅", "住宅", "住宅", "商业服务"])


def properties(ctx: Context) -> list[Delivery]:
    contract = get_contract("zhujian__property_registration")
    rng = ctx.rng("zhujian.property")
    persons = ctx.population.persons
    buyers = persons.filter(pl.col("relation_to_head") == "户主")
    buy = rng.random(buyers.height) < 0.03
    buyers = buyers.filter(pl.Series(buy))
    start = ctx.as_of - timedelta(days=365)
    days = rng.integers(0, 360, buyers.height)
    spouses = persons.select(pl.col("person_id").alias("spouse_id"), pl.col("name").alias("sp_name"),
                             pl.col("id_number").alias("sp_idn"), pl.col("death_date").alias("sp_death"))
    buyers = buyers.with_columns(__e=pl.lit(start) + pl.duration(days=pl.Series(days))).join(
        spouses, on="spouse_id", how="left", maintain_order="left").sort("__e", "person_id", maintain_order=True)
    # The bought dwelling: a flat in one of the county's communities.
    hh = ctx.population.households.filter(pl.col("address_detail").str.contains("单元"))
    flat = hh.select(pl.all().gather(pl.Series(rng.integers(0, hh.height, buyers.height))))
    joint = buyers["sp_name"].is_not_null() & pl.Series(rng.random(buyers.height) < 0.6)
    county = ctx.settings.county
    year = buyers["__e"].dt.year().cast(pl.String)
    certificate = ctx.group_serials("zhujian.certificate", year)
    first_unit = 100_000_000 + ctx.serial_start("zhujian.unit", buyers.height)
    stored = c.keyed(buyers.with_columns(__joint=joint, __loc=flat["address"], __year=year).select(
        certificate_no=pl.concat_str(pl.lit(f"鲁（"), pl.col("__year"), pl.lit(f"）{county.name}不动产权第"),
                                     pl.lit(certificate).cast(pl.String).str.zfill(7),
                                     pl.lit("号")),
        unit_no=pl.concat_str(pl.lit(county.code), pl.int_range(first_unit, first_unit + pl.len()).cast(pl.String),
                              pl.lit("F0001")),
        owner_name=pl.col("name"),
        owner_id=pl.col("id_number"),
        co_ownership=pl.when(pl.col("__joint")).then(pl.lit("共同共有")).otherwise(pl.lit("单独所有")),
        co_owner_name=pl.when(pl.col("__joint")).then(pl.col("sp_name")),
        co_owner_id=pl.when(pl.col("__joint")).then(pl.col("sp_idn")),
        location=pl.concat_str(pl.lit(county.name), pl.col("__loc")),
        floor_area=pl.Series(np.round(rng.normal(112, 25, buyers.height), 2)).cast(pl.String),
        use=pl.Series(USES[rng.integers(0, len(USES), buyers.height)]),
        registered=c.date_str("__e", "iso"),
        phone=pl.col("phone"),
        __e=pl.col("__e"),
        __p_owner=pl.col("person_id"),
        __p_co_owner=pl.when(pl.col("__joint")).then(pl.col("spouse_id")),
    ))
    mess = Mess(rng, stored)
    c.damage_person(mess, name="owner_name", id_number="owner_id", phone="phone")
    c.damage_person(mess, name="co_owner_name", id_number="co_owner_id")
    c.damage_csv_rows(mess, "location")
    c.future_date(mess, "registered", "iso", ctx.as_of, 0.02)
    c.event_before_start(ctx, mess, "registered", ("owner", "co_owner"), "person", "event_before_birth",
                         guard=("owner_id", "co_owner_id"))
    return c.monthly_deliveries(ctx, contract, mess.frame, mess.defects(), "__e",
                                lambda m: f"不动产登记_{m:%Y%m}.csv")


def build(ctx: Context) -> Iterator[Delivery]:
    """Every delivery of the department, one at a time (each is written before the next is built)."""
    yield from properties(ctx)
