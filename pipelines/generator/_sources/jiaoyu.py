"""Education (县教体局): the student register, one sheet per school stage, with the guardian."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import polars as pl

from pipelines.contracts import get_contract
from pipelines.generator._context import Context
from pipelines.generator._mess import Mess
from pipelines.generator._model import Delivery, delivery_dates, stamp
from pipelines.generator._sources import _common as c

STAGES = (("小学", 6, 12, "中心小学"), ("初中", 12, 15, "中学"), ("高中", 15, 18, "高级中学"))
GRADES = {"小学": "一二三四五六", "初中": "七八九", "高中": "一二三"}


def students(ctx: Context) -> list[Delivery]:
    """The register at the start of the spring term."""
    contract = get_contract("jiaoyu__student")
    rng = ctx.rng("jiaoyu.student")
    d = delivery_dates(contract.update_cycle, ctx.as_of)[-1]
    persons = ctx.population.persons.filter(pl.col("resident"))
    # School year: age on 1 September of the school year that is running at the delivery date.
    sept = d.replace(year=d.year - 1, month=9, day=1)
    age = ((pl.lit(sept) - pl.col("birth_date")).dt.total_days() / 365.25).floor().cast(pl.Int32)
    kids = persons.with_columns(__age=age).filter((pl.col("__age") >= 6) & (pl.col("__age") < 18))
    kids = kids.filter(pl.Series(rng.random(kids.height) < np.where(kids["__age"].to_numpy() >= 15, 0.7, 0.99)))
    guardians = persons.filter(pl.col("relation_to_head").is_in(["户主", "配偶"])).sort(
        "gender", descending=True, maintain_order=True).group_by("household_id", maintain_order=True).agg(
        pl.col("person_id").first().alias("g_id"), pl.col("name").first().alias("g_name"),
        pl.col("phone").first().alias("g_phone"))
    kids = kids.join(guardians, on="household_id", how="left", maintain_order="left")
    frames = []
    county = ctx.settings.county.name
    for stage, lo, hi, school in STAGES:
        part = kids.filter((pl.col("__age") >= lo) & (pl.col("__age") < hi))
        grade_chars = GRADES[stage]
        part = part.with_columns(
            __stage=pl.lit(stage),
            school=pl.when(pl.lit(stage == "高中")).then(pl.lit(f"{county}第一中学"))
            .otherwise(pl.concat_str(pl.lit(county), pl.col("address").str.extract(r"^(.+?(镇|乡|街道))", 1),
                                     pl.lit(school))),
            grade=pl.concat_str(pl.col("__age").sub(lo).replace_strict(
                {i: ch for i, ch in enumerate(grade_chars)}, return_dtype=pl.String), pl.lit("年级")),
            class_name=pl.concat_str(pl.Series(rng.integers(1, 7, part.height).astype(str)), pl.lit("班")),
            enrolled=pl.concat_str((pl.lit(sept.year) - pl.col("__age") + lo).cast(pl.String), pl.lit("09")),
        )
        frames.append(part.sort("school", "grade", "class_name", "person_id", maintain_order=True))
    all_kids = pl.concat(frames)
    schools = all_kids["school"].unique().sort()
    if ctx.shard is not None:
        # A shard sees only some of the county's schools: number every school there could be,
        # so that a school has one code in every shard.
        townships = ctx.geo.townships["township_name"]
        possible = [f"{county}{t}{school}" for _, _, _, school in STAGES[:2] for t in townships]
        schools = pl.Series([*possible, f"{county}第一中学"]).unique().sort()
    codes = {s: f"{3137000000 + i * 37:010d}"[:10] for i, s in enumerate(schools.to_list())}
    stored = c.keyed(all_kids.select(
        student_no=pl.concat_str(pl.lit("G"), pl.col("id_number")),
        name=pl.col("name"),
        gender=c.gender_zh(),
        id_number=pl.col("id_number"),
        birth_date=c.date_str("birth_date", "iso"),
        school=pl.col("school"),
        school_code=pl.col("school").replace_strict(codes),
        grade=pl.col("grade"),
        class_name=pl.col("class_name"),
        enrolled=pl.col("enrolled"),
        guardian_name=pl.col("g_name"),
        guardian_phone=pl.col("g_phone"),
        address=c.county_address(ctx),
        __stage=pl.col("__stage"),
        __p_self=pl.col("person_id"),
        __p_guardian=pl.col("g_id"),
    ))
    mess = Mess(rng, stored)
    c.damage_person(mess, name="name", id_number="id_number", gender="gender", birth_date="birth_date",
                    address="address", townships=ctx.geo.townships, scale=0.8)
    c.damage_person(mess, name="guardian_name", phone="guardian_phone")
    frame = mess.frame
    sheets = [(stage, int((frame["__stage"] == stage).sum())) for stage, *_ in STAGES]
    return [Delivery(contract=contract, delivery_date=d, file_name=f"学籍信息_{stamp(d)}.xlsx",
                     frame=frame.drop("__stage"), defects=mess.defects(), sheets=sheets,
                     numeric=frozenset({"birth_date"}))]


def build(ctx: Context) -> Iterator[Delivery]:
    """Every delivery of the department, one at a time (each is written before the next is built)."""
    yield from students(ctx)
