"""Public security (县公安局): household register snapshots and residence permits."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta

import numpy as np
import polars as pl

from pipelines.contracts import get_contract
from pipelines.generator._context import Context
from pipelines.generator._mess import Mess
from pipelines.generator._model import KEY, Delivery, delivery_dates, party, stamp
from pipelines.generator._sources import _common as c


def household_register(ctx: Context) -> Iterator[Delivery]:
    """A full extract of the register each quarter; the latest is current.

    Each snapshot lists everyone registered by its date; people who died or moved out in the
    year stay listed with their changed status, and couples married after a snapshot still show
    as unmarried in it. The stored register carries its clerks' errors into every snapshot.
    """
    contract = get_contract("gongan__household_register")
    rng = ctx.rng("gongan.household_register")
    county = ctx.settings.county
    prefix = county.province + county.city
    persons = ctx.population.persons.filter(pl.col("resident")).sort("household_no", "person_id", maintain_order=True)
    stored = c.keyed(
        persons.select(
            id_number=pl.col("id_number"),
            name=pl.col("name"),
            gender=c.gender_zh(),
            ethnicity=pl.col("ethnicity"),
            birth_date=c.date_str("birth_date"),
            household_no=pl.col("household_no"),
            relation_to_head=pl.col("relation_to_head"),
            division_code=pl.col("village_code"),
            address=c.full_address(ctx),
            marital_status=pl.col("marital_status"),
            phone=pl.col("phone"),
            registered_date=c.date_str("registered_date"),
            __registered=pl.col("registered_date"),
            __death=pl.col("death_date"),
            __out=pl.col("moved_out_date"),
            __marriage=pl.col("marriage_date"),
            __twin=pl.col("twin_of").is_not_null()
            | pl.col("person_id").is_in(persons["twin_of"].drop_nulls().implode()),
            __p_self=pl.col("person_id"),
        )
    )
    mess = Mess(rng, stored)
    c.duplicate_rows(mess, 0.005)
    c.damage_person(mess, name="name", id_number="id_number", phone="phone", birth_date="birth_date",
                    address="address", address_prefix=prefix, townships=ctx.geo.townships, gender="gender")
    c.damage_csv_rows(mess, "address")
    c.missing_required(mess, "household_no")
    c.event_before_start(ctx, mess, "registered_date", "self", "person", "event_before_birth",
                         guard=("id_number", "birth_date"))
    codes = mess.frame["division_code"].fill_null("")
    historic = next((h.code for h in county.historic_codes if h.valid_to is not None and h.valid_to >= 2000),
                    county.code)
    mess.transform("historic_division_code", "division_code", 0.01,
                   lambda v, r: pl.Series(v).str.replace(f"^{county.code}", historic).to_numpy().astype(object),
                   eligible=codes.str.starts_with(county.code), detail=f"{historic} for {county.code}")
    mess.record("twins", None, mess.frame["__twin"].to_numpy())
    stored, defects = mess.frame, mess.defects()

    dates = delivery_dates(contract.update_cycle, ctx.as_of, day=8)
    for i, d in enumerate(dates):
        day = pl.lit(d)
        frame = stored.filter(pl.col("__registered") <= day).select(
            *[col.name for col in contract.columns if col.name not in ("status", "marital_status")],
            marital_status=pl.when(pl.col("__marriage") > day).then(pl.lit("未婚"))
            .otherwise(pl.col("marital_status")),
            status=pl.when(pl.col("__death") <= day).then(pl.lit("死亡"))
            .when(pl.col("__out") <= day).then(pl.lit("迁出")).otherwise(pl.lit("正常")),
            __key=pl.col(KEY), __p_self=pl.col("__p_self"),
        ).select(*[col.name for col in contract.columns], KEY, party("self"))
        delivery = Delivery(contract=contract, delivery_date=d, file_name=f"户籍人口_{stamp(d)}.csv",
                            frame=frame, defects=defects, current=i == len(dates) - 1)
        if i == 1 and len(dates) > 2:
            # This quarter the export ran from the new system: UTF-8, and a remark column.
            c.other_encoding(delivery, "utf-8")
            remark = np.where(rng.random(frame.height) < 0.01, "户籍核查", None)
            c.extra_column(delivery, "remark", "备注", remark.tolist())
        if i == 2 and len(dates) > 3:
            c.rename_header(delivery, "id_number", "身份证号码")
        yield delivery


def residence_permit(ctx: Context) -> Iterator[Delivery]:
    """Permits applied for by people living here without registration, one workbook a month."""
    contract = get_contract("gongan__residence_permit")
    rng = ctx.rng("gongan.residence_permit")
    migrants = ctx.population.persons.filter(~pl.col("resident"))
    months = c.window_months(ctx.as_of)
    applies = rng.random(migrants.height) < 0.45
    offsets = rng.integers(0, (ctx.as_of - months[0]).days - 10, migrants.height)
    frame = migrants.with_columns(
        __apply=pl.lit(months[0]) + pl.duration(days=pl.Series(offsets)), __applies=pl.Series(applies)
    ).filter(pl.col("__applies")).sort("__apply", "person_id", maintain_order=True)
    issuer = next(n for d, n in ctx.departments if d == "gongan")
    first = ctx.serial_start("gongan.residence_permit", frame.height)
    stored = c.keyed(
        frame.select(
            permit_no=pl.concat_str(pl.lit(ctx.settings.county.code), pl.col("__apply").dt.strftime("%Y"),
                                    pl.int_range(first, first + pl.len()).cast(pl.String).str.zfill(6)),
            name=pl.col("name"),
            gender=c.gender_zh(),
            id_number=pl.col("id_number"),
            birth_date=c.date_str("birth_date", "compact"),
            hukou_address=pl.col("hukou_address"),
            residence_address=c.county_address(ctx),
            phone=pl.col("phone"),
            employer=pl.lit(None, dtype=pl.String),
            apply_date=c.date_str("__apply", "compact"),
            valid_to=c.date_str(pl.col("__apply").dt.offset_by("1y"), "compact"),
            issuer=pl.lit(issuer),
            __apply=pl.col("__apply"),
            __p_self=pl.col("person_id"),
        )
    )
    mess = Mess(rng, stored)
    c.damage_person(mess, name="name", id_number="id_number", phone="phone", birth_date="birth_date",
                    date_style="compact", address="residence_address", townships=ctx.geo.townships,
                    gender="gender")
    c.future_date(mess, "apply_date", "compact", ctx.as_of, 0.02)
    c.event_before_start(ctx, mess, "apply_date", "self", "person", "event_before_birth", fmt="%Y%m%d",
                         guard=("id_number", "birth_date"))
    c.dates_reversed(mess, "apply_date", "valid_to", fmt="%Y%m%d")
    stored, defects = mess.frame, mess.defects()
    for m in months:
        nxt = date(m.year + (m.month == 12), m.month % 12 + 1, 1)
        part = stored.filter((pl.col("__apply") >= m) & (pl.col("__apply") < nxt)).drop("__apply")
        d = c.workday(nxt + timedelta(days=4))
        if d > ctx.as_of:
            continue
        yield Delivery(
            contract=contract, delivery_date=d, file_name=f"居住证办理_{m:%Y%m}.xlsx", frame=part,
            defects=defects, title=f"{ctx.settings.county.name}居住证办理登记表（{m.year}年{m.month}月）",
            numeric=frozenset({"birth_date", "apply_date", "valid_to"}))


def build(ctx: Context) -> Iterator[Delivery]:
    """Every delivery of the department, one at a time (each is written before the next is built)."""
    yield from household_register(ctx)
    yield from residence_permit(ctx)
