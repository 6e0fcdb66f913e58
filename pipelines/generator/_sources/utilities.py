"""Power and water companies: residential accounts (yearly) and monthly consumption.

Accounts stay in the name of whoever opened them: a holder who died or moved away still holds
the account, and an empty house shows zero consumption.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta

import numpy as np
import polars as pl

from pipelines.contracts import SourceContract, get_contract
from pipelines.generator import _mess as m
from pipelines.generator._context import Context
from pipelines.generator._mess import Mess
from pipelines.generator._model import Delivery, delivery_dates, stamp
from pipelines.generator._sources import _common as c
from pipelines.generator._sources import industry


def _accounts(ctx: Context, company: str, share_urban: float, share_rural: float) -> pl.DataFrame:
    """One account per served household, held by its head (or whoever it was opened for)."""
    rng = ctx.rng(f"{company}.accounts")
    hh = ctx.population.households
    urban = hh["address_detail"].str.contains("单元").to_numpy()
    served = rng.random(hh.height) < np.where(urban, share_urban, share_rural)
    heads = ctx.population.persons.filter(pl.col("relation_to_head") == "户主").select(
        "household_id", "person_id", "name", "id_number", "phone", "death_date", "moved_out_date")
    acc = hh.filter(pl.Series(served)).join(heads, on="household_id", how="left", maintain_order="left").sort("household_id", maintain_order=True)
    everyone_gone = ctx.population.persons.group_by("household_id", maintain_order=True).agg(
        gone=pl.col("moved_out_date").is_not_null().all() | pl.col("death_date").is_not_null().all())
    acc = acc.join(everyone_gone, on="household_id", how="left", maintain_order="left")
    opened = pl.lit(date(1995, 1, 1)) + pl.duration(days=pl.Series(rng.integers(0, 11000, acc.height)))
    return acc.with_columns(__opened=opened, __usage=pl.Series(rng.lognormal(0, 0.45, acc.height)))


def _account_delivery(ctx: Context, contract: SourceContract, acc: pl.DataFrame, prefix: str,
                      category: str, file_name: str, holder_id_rate: float, first: int) -> list[Delivery]:
    rng = ctx.rng(contract.source)
    d = delivery_dates(contract.update_cycle, ctx.as_of, day=20)[-1]
    has_id = pl.Series(rng.random(acc.height) < holder_id_rate)
    frame = c.keyed(acc.select(
        account_no=pl.concat_str(pl.lit(prefix), pl.int_range(first, first + pl.len()).cast(pl.String).str.zfill(8)),
        holder=pl.col("name"),
        id_number=pl.when(has_id).then(pl.col("id_number")),
        address=pl.concat_str(pl.lit(ctx.settings.county.name), pl.col("address")),
        category=pl.lit(category),
        phone=pl.col("phone"),
        opened=c.date_str("__opened", "compact"),
        status=pl.lit("正常"),
        __stale=(pl.coalesce("death_date", "moved_out_date") <= pl.lit(d)).fill_null(False),
        __p_holder=pl.col("person_id"),
    ))
    mess = Mess(rng, frame)
    mess.record("stale_record", None, mess.frame["__stale"].to_numpy())
    c.damage_person(mess, name="holder", id_number="id_number", phone="phone", address="address",
                    townships=ctx.geo.townships)
    hand_kept_variants(mess, ctx, name="holder", address="address")
    frame = mess.frame.drop("__stale")
    defects = mess.defects()
    if contract.encoding.lower() in ("gbk", "gb2312"):
        defects = pl.concat([defects, c.mark_unencodable(frame, contract.encoding)])
    return [Delivery(contract=contract, delivery_date=d, file_name=file_name.format(stamp(d)), frame=frame,
                     defects=defects)]


def hand_kept_variants(mess: Mess, ctx: Context, *, name: str, address: str, scale: float = 1.0) -> None:
    """What a hand-kept account book adds to the usual damage: names spaced out, in traditional
    characters or with a homophone, and addresses under whatever prefix the clerk writes
    (province + city + county, the county's old name, nothing) and another house-number form.

    Accounts opened decades ago by many clerks carry these more often than a register does;
    the rates come on top of `damage_person`'s (a cell gets one kind at most).
    """
    names = mess.frame[name].fill_null("")
    mess.transform("name_spaced", name, 0.03 * scale, m.spaced_name, eligible=names.str.len_chars() >= 2)
    mess.transform("traditional_chars", name, 0.015 * scale, m.traditional)
    mess.transform("name_homophone", name, 0.015 * scale, m.homophone)
    county = ctx.settings.county
    old_names = sorted({h.name for h in county.historic_codes} - {county.name})
    variants = [county.province + county.city + county.name, county.city + county.name, *old_names, ""]
    mess.transform("address_prefix_variant", address, 0.5 * scale, m.prefix_variant(county.name, variants),
                   eligible=mess.frame[address].fill_null("").str.starts_with(county.name))
    mess.transform("house_number_variant", address, 0.1 * scale, m.house_number_variant,
                   eligible=mess.frame[address].fill_null("").str.contains(r"[0-9]+号$|室$"))


def _consumption(ctx: Context, contract: SourceContract, acc: pl.DataFrame, prefix: str, unit_per_month: float,
                 price: float, columns: dict[str, str], file_name: str, first: int) -> Iterator[Delivery]:
    """Monthly meter readings, built and delivered one month at a time (machine-made: no typing damage)."""
    rng = ctx.rng(contract.source + ".monthly")
    base = acc.select(
        account_no=pl.concat_str(pl.lit(prefix), pl.int_range(first, first + pl.len()).cast(pl.String).str.zfill(8)),
        usage=pl.col("__usage") * unit_per_month,
        gone=pl.coalesce("gone", pl.lit(False)),
        left=pl.min_horizontal("moved_out_date", "death_date"),
    )
    usage = base["usage"].to_numpy()
    gone = base["gone"].to_numpy()
    left = base["left"].fill_null(date(2100, 1, 1)).to_numpy()
    reading = np.round(rng.uniform(1000, 20000, base.height), 0)
    for mth in c.window_months(ctx.as_of):
        season = 1.35 if mth.month in (1, 2, 7, 8, 12) else 1.0
        use = usage * season * rng.lognormal(0, 0.15, base.height)
        use = np.round(np.where(gone & (left < np.datetime64(mth)), 0, use), 0)
        prev = reading.copy()
        reading = reading + use
        d = c.workday(c.next_month(mth) + timedelta(days=3))
        if d > ctx.as_of:
            continue
        month = pl.DataFrame({"account_no": base["account_no"], "prev": prev, "now": reading, "use": use})
        select = {"account_no": pl.col("account_no"), "month": pl.lit(f"{mth:%Y%m}")}
        if "reading_prev" in columns:
            select |= {"reading_prev": pl.col("prev").cast(pl.Int64).cast(pl.String),
                       "reading": pl.col("now").cast(pl.Int64).cast(pl.String)}
        select |= {columns["use"]: pl.col("use").cast(pl.Int64).cast(pl.String), "fee": c.money(pl.col("use") * price)}
        yield Delivery(contract=contract, delivery_date=d, file_name=file_name.format(f"{mth:%Y%m}"),
                       frame=c.keyed(month.select(**select)), period=mth)


def build(ctx: Context) -> Iterator[Delivery]:
    """Every delivery of both companies, one at a time (each is written before the next is built)."""
    power_acc = _accounts(ctx, "gongdian", 0.98, 0.97)
    first = ctx.serial_start("gongdian.account", power_acc.height)
    for delivery in _account_delivery(ctx, get_contract("gongdian__account"), power_acc, "37150", "居民生活用电",
                                      "用电客户_{}.csv", 0.6, first):
        industry.add_accounts(ctx, delivery)  # the factories' meters in the same customer list
        yield delivery
    for delivery in _consumption(ctx, get_contract("gongdian__consumption"), power_acc, "37150", 160, 0.5469,
                                 {"reading_prev": "", "use": "kwh"}, "月度电量_{}.csv", first):
        industry.add_use(ctx, delivery)
        yield delivery
    water_acc = _accounts(ctx, "gongshui", 0.93, 0.0)
    first = ctx.serial_start("gongshui.account", water_acc.height)
    yield from _account_delivery(ctx, get_contract("gongshui__account"), water_acc, "S", "居民生活用水",
                                 "用水户_{}.json", 0.8, first)
    yield from _consumption(ctx, get_contract("gongshui__consumption"), water_acc, "S", 7, 3.1,
                            {"use": "cubic_metres"}, "月度水量_{}.csv", first)
