"""Civil affairs (县民政局): marriages, subsistence allowances, social organisations, deaths and
cremations, and the standard address register."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta

import numpy as np
import polars as pl

from pipelines.contracts import get_contract
from pipelines.generator._context import Context
from pipelines.generator._mess import Mess, amount_format
from pipelines.generator._model import KEY, Delivery, delivery_dates, party, stamp
from pipelines.generator._sources import _common as c


def _person_side(persons: pl.DataFrame, ids: pl.Series, prefix: str, ctx: Context) -> pl.DataFrame:
    """Name, ID, birth date and registered address of the persons `ids`, in that order."""
    return pl.DataFrame({"person_id": ids}).join(persons, on="person_id", how="left", maintain_order="left").select(
        pl.col("name").alias(f"{prefix}_name"),
        pl.col("id_number").alias(f"{prefix}_id_number"),
        c.date_str("birth_date").alias(f"{prefix}_birth_date"),
        pl.coalesce(pl.col("hukou_address"), c.full_address(ctx)).alias(f"{prefix}_address"),
        pl.col("person_id").alias(party("husband" if prefix == "male" else "wife")),
    )


def marriages(ctx: Context) -> list[Delivery]:
    """Marriages and divorces registered each month; both parties on one row."""
    contract = get_contract("minzheng__marriage_registration")
    rng = ctx.rng("minzheng.marriage")
    persons = ctx.population.persons
    office = f"{ctx.settings.county.city}{ctx.settings.county.name}民政局婚姻登记处"
    men = persons.filter((pl.col("gender") == 1) & pl.col("spouse_id").is_not_null())
    wed = men.filter(pl.col("marriage_date").is_not_null()).select(
        "person_id", "spouse_id", event=pl.col("marriage_date"), kind=pl.lit("结婚"))
    window_start = ctx.as_of - timedelta(days=365)
    older = men.filter(pl.col("marriage_date").is_null() & (pl.col("birth_date") < date(ctx.as_of.year - 30, 1, 1)))
    split = rng.random(older.height) < 0.004
    divorce_days = rng.integers(0, 360, older.height)
    div = older.with_columns(event=pl.lit(window_start) + pl.duration(days=pl.Series(divorce_days)),
                             kind=pl.lit("离婚")).filter(pl.Series(split)).select("person_id", "spouse_id", "event", "kind")
    events = pl.concat([wed, div]).sort("kind", "event", "person_id", descending=[True, False, False], maintain_order=True)
    male = _person_side(persons, events["person_id"], "male", ctx)
    female = _person_side(persons, events["spouse_id"], "female", ctx)
    serial = pl.lit(ctx.group_serials("minzheng.marriage", events.select(pl.concat_str(
        pl.col("kind"), pl.lit("|"), pl.col("event").dt.year().cast(pl.String))).to_series())).cast(pl.String).str.zfill(6)
    frame = pl.concat([events, male, female], how="horizontal").with_columns(
        certificate_no=pl.concat_str(
            pl.when(pl.col("kind") == "结婚").then(pl.lit("J")).otherwise(pl.lit("L")),
            pl.lit(ctx.settings.county.code + "-"), pl.col("event").dt.year().cast(pl.String), pl.lit("-"), serial),
        registration_type=pl.col("kind"),
        registration_date=c.date_str("event"),
        office=pl.lit(office),
        __e_event=pl.col("event"),
    )
    stored = c.keyed(frame.select(*[col.name for col in contract.columns], "__e_event",
                                  party("husband"), party("wife")))
    mess = Mess(rng, stored)
    for side in ("male", "female"):
        c.damage_person(mess, name=f"{side}_name", id_number=f"{side}_id_number",
                        birth_date=f"{side}_birth_date", address=f"{side}_address",
                        address_prefix=ctx.settings.county.province + ctx.settings.county.city,
                        townships=ctx.geo.townships)
    c.future_date(mess, "registration_date", "iso", ctx.as_of, 0.02)
    c.event_before_start(ctx, mess, "registration_date", ("husband", "wife"), "person", "event_before_birth",
                         guard=("male_id_number", "male_birth_date", "female_id_number", "female_birth_date"))
    stored, defects = mess.frame, mess.defects()
    deliveries = list(c.monthly_deliveries(
        ctx, contract, stored, defects, "__e_event", lambda m: f"婚姻登记_{m:%Y%m}.xlsx",
        numeric=frozenset({"male_birth_date", "female_birth_date", "registration_date"})))
    for i, d in enumerate(deliveries):
        frame = d.frame.sort("registration_type", descending=True, maintain_order=True)
        n_wed = int((frame["registration_type"] == "结婚").sum())
        d.frame = frame
        d.sheets = [("结婚登记", n_wed), ("离婚登记", frame.height - n_wed)]
        assert d.period is not None
        d.title = f"{ctx.settings.county.name}婚姻登记月报（{d.period.year}年{d.period.month}月）"
        if i == 3:
            # An upload that broke off: the workbook cannot be opened and is rejected.
            d.truncate = True
            d.defects = c.whole_file("rejected_file", None, "truncated XLSX (upload broke off)")
    return deliveries


def subsistence(ctx: Context) -> list[Delivery]:
    """Monthly allowance payments to poor households; some continue after the head's death."""
    contract = get_contract("minzheng__subsistence_allowance")
    rng = ctx.rng("minzheng.subsistence")
    persons = ctx.population.persons.filter(pl.col("resident"))
    heads = persons.filter(pl.col("relation_to_head") == "户主").join(
        ctx.population.households.select("household_id", "size", "village_name", "township_name"),
        on="household_id", maintain_order="left")
    old = (heads["birth_date"] < date(ctx.as_of.year - 60, 1, 1)).to_numpy()
    poor = rng.random(heads.height) < np.where(old, 0.07, 0.012)
    # Every county has a few: households whose payments ran on after the head died.
    early_death = (heads["death_date"] < ctx.as_of - timedelta(days=150)).fill_null(False).to_numpy()
    planted = np.zeros(heads.height, dtype=bool)
    candidates = np.nonzero(early_death)[0]
    planted[rng.choice(candidates, min(len(candidates), max(2, int(0.5 * (poor & early_death).sum()))),
                       replace=False)] = True
    heads = heads.filter(pl.Series(poor | planted))
    overrun = planted[poor | planted]
    months = c.window_months(ctx.as_of)
    stop = heads.select(
        stop=pl.when(pl.col("death_date").is_not_null()).then(
            pl.col("death_date").dt.month_start()
            + pl.duration(days=pl.Series(np.where(overrun, 95, 0)))
        ).otherwise(pl.lit(date(2100, 1, 1)))
    )["stop"]
    urban = heads["village_name"].str.contains("社区").to_numpy()
    covered = np.minimum(heads["size"].to_numpy(), rng.integers(1, 4, heads.height))
    per_person = np.where(urban, 780.0, 560.0)
    base = heads.with_columns(
        __stop=stop,
        __overrun=pl.Series(overrun),
        covered=pl.Series(covered),
        amount=pl.Series(covered * per_person),
        category=pl.Series(np.where(urban, "城市低保", "农村低保")),
        bank=pl.Series(np.char.add("6230", np.char.zfill(rng.integers(0, 10**12, heads.height).astype(str), 12))),
    )
    month_frames = []
    for m in months:
        month_frames.append(base.filter(pl.col("__stop") >= pl.lit(m)).with_columns(__e_month=pl.lit(m)))
    pay = pl.concat(month_frames).sort("__e_month", "household_no", maintain_order=True)
    stored = c.keyed(pay.select(
        township=pl.col("township_name"),
        village=pl.col("village_name"),
        name=pl.col("name"),
        id_number=pl.col("id_number"),
        household_size=pl.col("size").cast(pl.String),
        covered_persons=pl.col("covered").cast(pl.String),
        category=pl.col("category"),
        amount=c.money(pl.col("amount")),
        month=pl.col("__e_month").dt.strftime("%Y%m"),
        bank_account=pl.col("bank"),
        phone=pl.col("phone"),
        __e_month=pl.col("__e_month"),
        __death=pl.col("death_date"),
        __p_self=pl.col("person_id"),
    ))
    mess = Mess(rng, stored)
    c.duplicate_rows(mess, 0.005)
    after = mess.frame
    after_death = (after["__death"].is_not_null() & (after["__e_month"] > after["__death"])).fill_null(False)
    mess.record("benefit_after_death", None, after_death.to_numpy())
    paid = after.filter(after_death).group_by("__p_self", maintain_order=True).agg(pl.len().alias("n"), pl.col("__death").first())
    ctx.add_cases("benefit_after_death", contract.source, "person", paid["__p_self"],
                  pl.select(pl.concat_str(pl.lit("allowance paid for "), paid["n"].cast(pl.String),
                                          pl.lit(" month(s) after death on "), paid["__death"].cast(pl.String))).to_series())
    c.damage_person(mess, name="name", id_number="id_number", phone="phone", scale=1.2)
    mess.transform("amount_format", "amount", 0.02, amount_format)
    stored = mess.frame.drop("__death")
    defects = pl.concat([mess.defects(), c.mark_unencodable(stored, contract.encoding)])
    deliveries = list(c.monthly_deliveries(ctx, contract, stored, defects, "__e_month",
                                           lambda m: f"低保发放_{m:%Y%m}.csv", lag_days=9))
    if len(deliveries) > 6:
        _excel_and_correction(ctx, deliveries, rng, repeat_village=ctx.first_shard)
    if len(deliveries) > 9:
        c.rename_header(deliveries[2], "name", "姓名")
        c.other_encoding(deliveries[9], "utf-8")
    return deliveries


def _excel_and_correction(ctx: Context, deliveries: list[Delivery], rng: np.random.Generator,
                          repeat_village: bool = True) -> None:
    """One month went through Excel (IDs lost to E notation); another was redelivered corrected.

    `repeat_village`: whether this part of the county holds the repeated village (in a sharded
    run only the first shard repeats one, so the file has one repeated village, not one per shard).
    """
    c.excel_damage(deliveries[5], ["id_number", "bank_account"], rng)
    original = deliveries[6]
    # The first file of this month listed one village twice; the correction drops the repeat.
    village = original.frame["village"].drop_nulls().unique().sort()
    shift = 2_000_000_000
    repeat = original.frame.filter(pl.col("village") == village[0]) if repeat_village and len(village) else (
        original.frame.head(0))
    corrected = Delivery(contract=original.contract, delivery_date=original.delivery_date,
                         file_name=original.file_name.replace(".csv", "_更正.csv"), frame=original.frame,
                         defects=original.defects, period=original.period)
    # The repeated rows carry their originals' damage, and are duplicates themselves.
    carried = original.defects.join(repeat.select(KEY), on=KEY, how="semi", maintain_order="left").with_columns(pl.col(KEY) + shift)
    repeat = repeat.with_columns(pl.col(KEY) + shift)
    marker = Mess(rng, repeat)
    marker.record("duplicate_row", None, np.ones(repeat.height, dtype=bool))
    original.frame = pl.concat([original.frame, repeat])
    original.replaced = True
    original.defects = pl.concat([original.defects, carried, marker.defects()])
    deliveries.insert(7, corrected)


def social_organisations(ctx: Context) -> list[Delivery]:
    """The yearly register of social organisations (XLSX with a title row)."""
    contract = get_contract("minzheng__social_organization")
    rng = ctx.rng("minzheng.social")
    orgs = ctx.orgs.filter(pl.col("category") == "social_org")
    persons = ctx.population.persons.select("person_id", "name", "id_number")
    d = delivery_dates(contract.update_cycle, ctx.as_of)[-1]
    reps = orgs.join(persons, left_on="legal_rep_id", right_on="person_id", how="left", suffix="_rep", maintain_order="left")
    head = reps["uscc"].str.slice(0, 2)
    supervisors = [n for code, n in ctx.departments if code in ("minzheng", "jiaoyu", "weijian", "nongye")]
    stored = c.keyed(reps.filter(pl.col("established") <= d).select(
        name=pl.col("name"),
        uscc=pl.col("uscc"),
        org_type=pl.col("uscc").str.slice(0, 2).replace_strict({"51": "社会团体", "52": "民办非企业单位", "53": "基金会"}),
        legal_rep=pl.col("name_rep"),
        legal_rep_id=pl.col("id_number"),
        supervisor=pl.lit(supervisors[0]) if len(head) else pl.lit(None, dtype=pl.String),
        address=c.county_address(ctx),
        established=c.date_str("established"),
        capital=c.money(pl.col("registered_capital")),
        status=pl.lit("正常"),
        phone=pl.lit(None, dtype=pl.String),
        __p_self=pl.col("org_id"),
        __p_legal_rep=pl.col("legal_rep_id"),
    ))
    mess = Mess(rng, stored)
    c.damage_person(mess, name="legal_rep", id_number="legal_rep_id", scale=0.6)
    return [Delivery(contract=contract, delivery_date=d, file_name=f"社会组织_{stamp(d)}.xlsx", frame=mess.frame,
                     defects=mess.defects(), title=f"{ctx.settings.county.name}社会组织名录",
                     numeric=frozenset({"capital", "established"}))]


def cremations(ctx: Context) -> list[Delivery]:
    """Cremations of the county's dead, with a family contact, one CSV a month."""
    contract = get_contract("minzheng__death_cremation")
    rng = ctx.rng("minzheng.cremation")
    persons = ctx.population.persons
    dead = persons.filter(pl.col("death_date").is_not_null())
    dead = dead.filter(pl.Series(rng.random(dead.height) < 0.95))
    # The family contact is someone else in the household still alive.
    family = persons.filter(pl.col("death_date").is_null() & pl.col("household_id").is_not_null()).group_by(
        "household_id", maintain_order=True).agg(pl.col("person_id").first().alias("family_id"), pl.col("name").first().alias("family_name"),
                            pl.col("phone").first().alias("family_phone"))
    dead = dead.join(family, on="household_id", how="left", maintain_order="left").sort("death_date", "person_id", maintain_order=True)
    county = ctx.settings.county
    homes = [f"{county.name}殡仪馆"] * 3 + [f"{county.city}殡仪馆"]
    delay = rng.integers(1, 4, dead.height)
    first = ctx.serial_start("minzheng.cremation", dead.height)
    stored = c.keyed(dead.select(
        cremation_no=pl.concat_str(pl.lit("HH"), pl.col("death_date").dt.strftime("%Y"),
                                   pl.int_range(first, first + pl.len()).cast(pl.String).str.zfill(5)),
        name=pl.col("name"),
        gender=c.gender_zh(),
        id_number=pl.col("id_number"),
        age=((pl.col("death_date") - pl.col("birth_date")).dt.total_days() // 365).cast(pl.String),
        death_date=c.date_str("death_date", "slash"),
        cremation_date=c.date_str(pl.col("death_date") + pl.duration(days=pl.Series(delay)), "slash"),
        address=c.full_address(ctx),
        family_name=pl.col("family_name"),
        family_phone=pl.col("family_phone"),
        funeral_home=pl.Series(np.array(homes)[rng.integers(0, len(homes), dead.height)]),
        __e=pl.col("death_date"),
        __p_self=pl.col("person_id"),
        __p_family_contact=pl.col("family_id"),
    ))
    mess = Mess(rng, stored)
    c.damage_person(mess, name="name", id_number="id_number", gender="gender",
                    address="address", address_prefix=ctx.settings.county.province + ctx.settings.county.city,
                    townships=ctx.geo.townships, scale=1.3)
    c.damage_person(mess, name="family_name", phone="family_phone")
    c.future_date(mess, "death_date", "slash", ctx.as_of, 0.02)
    c.dates_reversed(mess, "death_date", "cremation_date", fmt="%Y/%m/%d")
    c.damage_csv_rows(mess, "address")
    stored, defects = mess.frame, mess.defects()
    return c.monthly_deliveries(ctx, contract, stored, defects, "__e", lambda m: f"殡葬火化_{m:%Y%m}.csv")


def address_register(ctx: Context) -> list[Delivery]:
    """The standard address register: every household's address with coordinates (UTF-8 BOM)."""
    contract = get_contract("minzheng__address_register")
    hh = ctx.population.households.sort("village_code", "household_id", maintain_order=True)
    county = ctx.settings.county
    detail = pl.col("address_detail")
    urban = detail.str.contains("单元")
    parts = hh.with_columns(
        road=pl.when(urban).then(detail.str.extract(r"^.*?(社区)?(.+?路|.+?街|.+?大街)", 2))
        .otherwise(detail.str.extract(r"^(.+?村)", 1)),
        house=detail.str.extract(r"([0-9]+)号", 1),
        building=pl.when(urban).then(detail.str.extract(r"号([0-9]+)号楼", 1)),
        unit=pl.when(urban).then(detail.str.extract(r"([0-9]+)单元", 1)),
        room=pl.when(urban).then(detail.str.extract(r"([0-9]+)室", 1)),
    )
    d = delivery_dates(contract.update_cycle, ctx.as_of)[-1]
    frame = c.keyed(parts.select(
        address_code=pl.concat_str(pl.col("village_code"), pl.lit(ctx.group_serials(
            "minzheng.address", parts["village_code"])).cast(pl.String).str.zfill(5)),
        standard_address=pl.concat_str(pl.lit(county.province + county.city + county.name), pl.col("address")),
        township_code=pl.col("township_code"),
        township_name=pl.col("township_name"),
        village_code=pl.col("village_code"),
        village_name=pl.col("village_name"),
        road=pl.col("road"),
        house_number=pl.col("house"),
        building=pl.col("building"),
        unit=pl.col("unit"),
        room=pl.col("room"),
        lon=pl.col("lon").round(6).cast(pl.String),
        lat=pl.col("lat").round(6).cast(pl.String),
    ))
    return [Delivery(contract=contract, delivery_date=d, file_name=f"标准地址_{stamp(d)}.csv", frame=frame)]


def build(ctx: Context) -> Iterator[Delivery]:
    """Every delivery of the department, one at a time (each is written before the next is built)."""
    yield from marriages(ctx)
    yield from subsistence(ctx)
    yield from social_organisations(ctx)
    yield from cremations(ctx)
    yield from address_register(ctx)


def build_persons(ctx: Context) -> Iterator[Delivery]:
    """The deliveries about residents and households (a sharded run builds these per shard)."""
    yield from marriages(ctx)
    yield from subsistence(ctx)
    yield from cremations(ctx)
    yield from address_register(ctx)


def build_organisations(ctx: Context) -> Iterator[Delivery]:
    """The deliveries about organisations (built once for the whole county)."""
    yield from social_organisations(ctx)
