"""Health commission (县卫健局): birth certificates, death certificates, medical institutions."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import numpy as np
import polars as pl

from pipelines.contracts import get_contract
from pipelines.generator._context import Context
from pipelines.generator._mess import Mess
from pipelines.generator._model import Delivery, delivery_dates, stamp
from pipelines.generator._sources import _common as c

HOSPITALS = ("人民医院", "中医医院", "妇幼保健院")
CAUSES = np.array(["脑血管病", "心脏病", "恶性肿瘤", "慢性阻塞性肺疾病", "损伤和中毒", "糖尿病", "肺炎", "其他"])


def _parents(persons: pl.DataFrame) -> pl.DataFrame:
    """Mother and father of each household's children: the head and spouse by gender."""
    couple = persons.filter(pl.col("relation_to_head").is_in(["户主", "配偶"]))
    mother = couple.filter(pl.col("gender") == 2).group_by("household_id", maintain_order=True).agg(
        pl.col("person_id").first().alias("mother_id"), pl.col("name").first().alias("mother_name"),
        pl.col("id_number").first().alias("mother_idn"))
    father = couple.filter(pl.col("gender") == 1).group_by("household_id", maintain_order=True).agg(
        pl.col("person_id").first().alias("father_id"), pl.col("name").first().alias("father_name"),
        pl.col("id_number").first().alias("father_idn"))
    return mother.join(father, on="household_id", how="full", coalesce=True, maintain_order="left_right")


def births(ctx: Context) -> list[Delivery]:
    """Birth certificates issued each month (JSON array): the newborn and both parents."""
    contract = get_contract("weijian__birth_certificate")
    rng = ctx.rng("weijian.birth")
    persons = ctx.population.persons
    start = ctx.as_of - timedelta(days=365)
    babies = persons.filter(pl.col("resident") & (pl.col("birth_date") > start)).join(
        _parents(persons), on="household_id", how="left", maintain_order="left").sort("birth_date", "person_id", maintain_order=True)
    unnamed = rng.random(babies.height) < 0.12
    hospital_names = np.array([ctx.settings.county.name + h for h in HOSPITALS])
    first = 100_000 + ctx.serial_start("weijian.birth", babies.height)
    stored = c.keyed(babies.select(
        certificate_no=pl.concat_str(pl.lit("R"), pl.lit(ctx.settings.county.code[2:]),
                                     pl.int_range(first, first + pl.len()).cast(pl.String)),
        child_name=pl.when(pl.Series(unnamed)).then(None).otherwise(pl.col("name")),
        child_gender=c.gender_zh(),
        birth_date=c.date_str("birth_date", "iso"),
        birth_weight=pl.Series(rng.normal(3300, 420, babies.height).round().astype(int).astype(str)),
        mother_name=pl.col("mother_name"),
        mother_id_number=pl.col("mother_idn"),
        father_name=pl.col("father_name"),
        father_id_number=pl.col("father_idn"),
        hospital=pl.Series(hospital_names[rng.integers(0, len(hospital_names), babies.height)]),
        address=c.county_address(ctx),
        __e=pl.col("birth_date"),
        __p_self=pl.col("person_id"),
        __p_mother=pl.col("mother_id"),
        __p_father=pl.col("father_id"),
    ))
    mess = Mess(rng, stored)
    c.damage_person(mess, name="mother_name", id_number="mother_id_number")
    c.damage_person(mess, name="father_name", id_number="father_id_number")
    c.damage_person(mess, name="child_name", birth_date="birth_date", address="address",
                    townships=ctx.geo.townships)
    c.future_date(mess, "birth_date", "iso", ctx.as_of, 0.02)
    # A newborn whose mother is not in its household's register gets a certificate without her
    # name: the required value is empty, as the ingest will find.
    mess.record("missing_required", "mother_name", mess.frame["mother_name"].is_null().to_numpy())
    return c.monthly_deliveries(ctx, contract, mess.frame, mess.defects(), "__e",
                                lambda m: f"出生医学证明_{m:%Y%m}.json")


def deaths(ctx: Context) -> list[Delivery]:
    """Death certificates each month (JSON Lines)."""
    contract = get_contract("weijian__death_certificate")
    rng = ctx.rng("weijian.death")
    dead = ctx.population.persons.filter(pl.col("death_date").is_not_null()).sort("death_date", "person_id", maintain_order=True)
    at_home = rng.random(dead.height) < 0.6
    units = np.array([ctx.settings.county.name + h for h in HOSPITALS[:2]])
    first = ctx.serial_start("weijian.death", dead.height)
    stored = c.keyed(dead.select(
        certificate_no=pl.concat_str(pl.lit("S"), pl.col("death_date").dt.strftime("%Y"),
                                     pl.int_range(first, first + pl.len()).cast(pl.String).str.zfill(6)),
        name=pl.col("name"),
        gender=c.gender_zh(),
        id_number=pl.col("id_number"),
        birth_date=c.date_str("birth_date", "iso"),
        death_date=c.date_str("death_date", "iso"),
        death_place=pl.Series(np.where(at_home, "家中", "医疗卫生机构")),
        cause=pl.Series(CAUSES[rng.integers(0, len(CAUSES), dead.height)]),
        address=c.full_address(ctx),
        reporting_unit=pl.Series(np.where(at_home, pl.select(
            pl.concat_str(pl.lit(ctx.settings.county.name), dead["address"].str.extract(r"^(.+?(镇|乡|街道))", 1),
                          pl.lit("卫生院"))).to_series().to_numpy(), units[rng.integers(0, 2, dead.height)])),
        __e=pl.col("death_date"),
        __p_self=pl.col("person_id"),
    ))
    mess = Mess(rng, stored)
    c.damage_person(mess, name="name", id_number="id_number", gender="gender", birth_date="birth_date",
                    address="address", address_prefix=ctx.settings.county.province + ctx.settings.county.city,
                    townships=ctx.geo.townships)
    c.future_date(mess, "death_date", "iso", ctx.as_of, 0.02)
    return c.monthly_deliveries(ctx, contract, mess.frame, mess.defects(), "__e",
                                lambda m: f"死亡医学证明_{m:%Y%m}.jsonl")


def institutions(ctx: Context) -> list[Delivery]:
    """The yearly list of medical institutions (XLSX)."""
    contract = get_contract("weijian__medical_institution")
    rng = ctx.rng("weijian.clinic")
    clinics = ctx.orgs.filter(pl.col("category") == "clinic").join(
        ctx.population.persons.select("person_id", pl.col("name").alias("rep_name"), "phone"),
        left_on="legal_rep_id", right_on="person_id", how="left", maintain_order="left")
    d = delivery_dates(contract.update_cycle, ctx.as_of)[-1]
    public = clinics["uscc"].str.starts_with("12")
    issue = clinics["established"]
    stored = c.keyed(clinics.filter(pl.col("established") <= d).select(
        name=pl.col("name"),
        uscc=pl.col("uscc"),
        licence_no=pl.concat_str(pl.lit("PDY"), pl.int_range(10001, 10001 + pl.len()).cast(pl.String),
                                 pl.lit(ctx.settings.county.code), pl.lit("12A1002")),
        category=pl.when(pl.col("name").str.ends_with("卫生院")).then(pl.lit("乡镇卫生院")).otherwise(pl.lit("诊所")),
        legal_rep=pl.col("rep_name"),
        address=c.county_address(ctx),
        phone=pl.col("phone"),
        issue_date=c.date_str("established"),
        valid_to=c.date_str(pl.col("established").dt.offset_by("5y")),
        ownership=pl.when(pl.col("uscc").str.starts_with("12")).then(pl.lit("非营利性")).otherwise(pl.lit("营利性")),
        __p_self=pl.col("org_id"),
    ))
    del public, issue
    mess = Mess(rng, stored)
    c.damage_person(mess, name="legal_rep", phone="phone", scale=0.7)
    return [Delivery(contract=contract, delivery_date=d, file_name=f"医疗机构_{stamp(d)}.xlsx", frame=mess.frame,
                     defects=mess.defects(), numeric=frozenset({"issue_date", "valid_to"}))]


def build(ctx: Context) -> Iterator[Delivery]:
    """Every delivery of the department, one at a time (each is written before the next is built)."""
    yield from births(ctx)
    yield from deaths(ctx)
    yield from institutions(ctx)


def build_persons(ctx: Context) -> Iterator[Delivery]:
    """Births and deaths (a sharded run builds these per shard)."""
    yield from births(ctx)
    yield from deaths(ctx)


def build_organisations(ctx: Context) -> Iterator[Delivery]:
    """The medical institutions (built once for the whole county)."""
    yield from institutions(ctx)
