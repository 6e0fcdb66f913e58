"""Human resources and social security (县人社局): insured persons and monthly payments."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import numpy as np
import polars as pl

from pipelines.contracts import get_contract
from pipelines.generator._context import Context
from pipelines.generator._mess import Mess, amount_format
from pipelines.generator._model import Delivery, delivery_dates, stamp
from pipelines.generator._sources import _common as c

EMPLOYEE = "企业职工基本养老保险"
RESIDENT = "城乡居民基本养老保险"
RESIDENT_PENSION_AGE = 60  # the residents' scheme pays from 60, men and women alike


def insured_members(ctx: Context) -> pl.DataFrame:
    """Who is insured how: employees of enterprises, their retirees, rural and urban residents
    (without personal numbers: the statistics bureau counts them too, and counting must not
    issue numbers)."""
    rng = ctx.rng("renshe.insured")
    persons = ctx.population.persons
    age = (pl.lit(ctx.as_of) - pl.col("birth_date")).dt.total_days() / 365.25
    adults = persons.with_columns(__age=age).filter(pl.col("__age") >= 18)
    n = adults.height
    ages = adults["__age"].to_numpy()
    resident = adults["resident"].to_numpy()
    insured = rng.random(n) < np.where(resident, 0.92, 0.75)
    retire_age = np.where(adults["gender"].to_numpy() == 1, 60, 55)
    employee = insured & (ages < retire_age) & (rng.random(n) < np.where(resident, 0.13, 0.7))
    retiree = insured & (ages >= retire_age) & (rng.random(n) < 0.12)
    enterprises = ctx.orgs.filter((pl.col("category") == "enterprise") & pl.col("deregistered_date").is_null())
    weights = enterprises["employees"].to_numpy().astype(float)
    employer = rng.choice(enterprises.height, n, p=weights / weights.sum())
    kind = np.where(employee | retiree, EMPLOYEE, RESIDENT)
    # the residents' scheme pays from 60 for men and women alike; employees retire at 60 / 55
    status = np.where(ages >= np.where(kind == RESIDENT, RESIDENT_PENSION_AGE, retire_age), "待遇领取", "参保缴费")
    start_years = np.maximum(1995, (2026 - np.minimum(ages - 18, 30)).astype(int))
    return adults.with_columns(
        __insured=pl.Series(insured),
        __employee=pl.Series(employee),
        __kind=pl.Series(kind),
        __status=pl.Series(status),
        __start=pl.date(pl.Series(start_years), 1, 1),
        __employer=enterprises["org_id"].gather(pl.Series(employer)),
        __employer_name=enterprises["name"].gather(pl.Series(employer)),
        __employer_uscc=enterprises["uscc"].gather(pl.Series(employer)),
    ).filter(pl.col("__insured"))


def _insured(ctx: Context) -> pl.DataFrame:
    """The insured with their personal numbers, issued in order of joining."""
    frame = insured_members(ctx)
    first = 10_000_000 + ctx.serial_start("renshe.personal_no", frame.height)
    return frame.sort("__start", "person_id", maintain_order=True).with_columns(
        __personal_no=pl.concat_str(pl.lit("37"), pl.int_range(first, first + pl.len()).cast(pl.String)),
    ).sort("person_id", maintain_order=True)


def insured_persons(ctx: Context, insured: pl.DataFrame) -> Iterator[Delivery]:
    """A quarterly full list; the dead and the departed linger as active in some snapshots."""
    contract = get_contract("renshe__insured_person")
    rng = ctx.rng("renshe.insured.snap")
    # The bureau learns of a death or a move late, or not at all this year.
    lag = rng.integers(20, 400, insured.height)
    stored = c.keyed(insured.select(
        personal_no=pl.col("__personal_no"),
        name=pl.col("name"),
        id_number=pl.col("id_number"),
        gender=c.gender_zh(),
        birth_date=c.date_str("birth_date", "compact"),
        insurance_type=pl.col("__kind"),
        status=pl.col("__status"),
        start_date=c.date_str("__start", "compact"),
        employer=pl.when(pl.col("__employee")).then(pl.col("__employer_name")),
        employer_uscc=pl.when(pl.col("__employee")).then(pl.col("__employer_uscc")),
        phone=pl.col("phone"),
        address=c.county_address(ctx),
        __exit=pl.coalesce("death_date", "moved_out_date"),
        __known=pl.coalesce("death_date", "moved_out_date") + pl.duration(days=pl.Series(lag)),
        __p_self=pl.col("person_id"),
        __p_employer=pl.when(pl.col("__employee")).then(pl.col("__employer")),
    ))
    mess = Mess(rng, stored)
    c.duplicate_rows(mess, 0.004)
    c.damage_person(mess, name="name", id_number="id_number", phone="phone", birth_date="birth_date",
                    date_style="compact", gender="gender", address="address", townships=ctx.geo.townships)
    c.damage_csv_rows(mess, "address")
    c.event_before_start(ctx, mess, "start_date", "self", "person", "event_before_birth", fmt="%Y%m%d",
                         guard=("id_number", "birth_date"))
    stored, stored_defects = mess.frame, mess.defects()
    dates = delivery_dates(contract.update_cycle, ctx.as_of, day=12)
    for i, d in enumerate(dates):
        day = pl.lit(d)
        frame = stored.filter(pl.col("__exit").is_null() | (pl.col("__exit") > day - pl.duration(days=400))).with_columns(
            status=pl.when(pl.col("__known") <= day).then(pl.lit("终止")).otherwise(pl.col("status")))
        stale = ((frame["__exit"] <= d) & (frame["__known"] > d)).fill_null(False).to_numpy()
        marker = Mess(rng, frame)
        marker.record("stale_record", None, stale)
        frame = frame.drop("__exit", "__known")
        yield Delivery(contract=contract, delivery_date=d, file_name=f"参保人员_{stamp(d)}.csv",
                            frame=frame, defects=pl.concat([stored_defects, marker.defects()]),
                            current=i == len(dates) - 1)


def payments(ctx: Context, insured: pl.DataFrame) -> Iterator[Delivery]:
    """Monthly contributions of employees, pensions of retired employees and the residents' basic
    pension (城乡居民基本养老保险: the basic amount the county pays every rural or non-employed
    resident insured in the scheme from age 60, plus the personal account, 150-300 yuan a month)."""
    contract = get_contract("renshe__payments")
    rng = ctx.rng("renshe.payments")
    retire = insured.filter((pl.col("__kind") == EMPLOYEE) & (pl.col("__status") == "待遇领取"))
    workers = insured.filter(pl.col("__employee"))
    base = np.round(rng.uniform(3500, 9000, workers.height), -1)
    pension = np.round(rng.uniform(1800, 4200, retire.height), 2)
    # A separate stream, so the employees' rows stay as they were drawn before.
    rng_res = ctx.rng("renshe.payments.resident")
    elderly = insured.filter((pl.col("__kind") == RESIDENT)
                             & (pl.col("birth_date").dt.offset_by(f"{RESIDENT_PENSION_AGE}y") < pl.lit(ctx.as_of)))
    resident_pension = np.round(rng_res.uniform(150, 300, elderly.height), 2)
    died = (retire["death_date"] < ctx.as_of - timedelta(days=120)).fill_null(False).to_numpy()
    overrun = died & (rng.random(retire.height) < 0.4)
    if overrun.sum() < 2 and died.any():
        overrun[rng.choice(np.nonzero(died)[0], min(2, int(died.sum())), replace=False)] = True
    months = c.window_months(ctx.as_of)
    rows = []
    for m in months:
        mlit = pl.lit(m)
        w = workers.with_columns(__amount=pl.Series(base * 0.24), __type=pl.lit("缴费"), __month=mlit).filter(
            pl.coalesce("death_date", "moved_out_date").is_null() | (pl.coalesce("death_date", "moved_out_date") >= mlit))
        r = retire.with_columns(__amount=pl.Series(pension), __type=pl.lit("待遇发放"), __month=mlit,
                                __overrun=pl.Series(overrun)).filter(
            pl.col("death_date").is_null() | (pl.col("death_date") >= mlit)
            | (pl.col("__overrun") & (pl.col("death_date").dt.offset_by("2mo") >= mlit))).drop("__overrun")
        # the residents' pension from the month after the 60th birthday, up to the month of death
        e = elderly.with_columns(__amount=pl.Series(resident_pension), __type=pl.lit("待遇发放"), __month=mlit).filter(
            (pl.col("birth_date").dt.offset_by(f"{RESIDENT_PENSION_AGE}y").dt.month_start().dt.offset_by("1mo") <= mlit)
            & (pl.coalesce("death_date", "moved_out_date").is_null()
               | (pl.coalesce("death_date", "moved_out_date") >= mlit)))
        rows.extend([w, r, e])
    frame = pl.concat(rows, how="diagonal_relaxed").sort("__month", "__personal_no", "__type", maintain_order=True)
    stored = c.keyed(frame.select(
        personal_no=pl.col("__personal_no"),
        name=pl.col("name"),
        id_number=pl.col("id_number"),
        period=pl.col("__month").dt.strftime("%Y%m"),
        business_type=pl.col("__type"),
        insurance_type=pl.col("__kind"),
        amount=c.money(pl.col("__amount")),
        employer=pl.when(pl.col("__type") == "缴费").then(pl.col("__employer_name")),
        pay_date=c.date_str(pl.col("__month") + pl.duration(days=14)),
        __e=pl.col("__month"),
        __death=pl.col("death_date"),
        __p_self=pl.col("person_id"),
    ))
    mess = Mess(rng, stored)
    after = ((mess.frame["__death"] < mess.frame["__e"]) & (mess.frame["business_type"] == "待遇发放")).fill_null(False)
    mess.record("benefit_after_death", None, after.to_numpy())
    paid = mess.frame.filter(after).group_by("__p_self", maintain_order=True).agg(pl.len().alias("n"), pl.col("__death").first())
    ctx.add_cases("benefit_after_death", contract.source, "person", paid["__p_self"],
                  pl.select(pl.concat_str(pl.lit("pension paid for "), paid["n"].cast(pl.String),
                                          pl.lit(" month(s) after death on "), paid["__death"].cast(pl.String))).to_series())
    c.damage_person(mess, name="name", id_number="id_number", scale=0.6)
    mess.transform("amount_format", "amount", 0.01, amount_format)
    c.event_before_start(ctx, mess, "period", "self", "person", "event_before_birth", fmt=c.MONTH_FMT,
                         month=True, guard=("id_number",))
    stored = mess.frame.drop("__death")
    deliveries = c.monthly_deliveries(ctx, contract, stored, mess.defects(), "__e",
                                      lambda m: f"社保缴费发放_{m:%Y%m}.csv", lag_days=6)
    for i, delivery in enumerate(deliveries):
        if i == 7:
            c.extra_column(delivery, "office", "经办机构",
                           [f"{ctx.settings.county.name}社会保险事业中心"] * delivery.frame.height)
        yield delivery


def build(ctx: Context) -> Iterator[Delivery]:
    """Every delivery of the department, one at a time (each is written before the next is built)."""
    insured = _insured(ctx)
    yield from insured_persons(ctx, insured)
    yield from payments(ctx, insured)
