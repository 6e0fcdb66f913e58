"""Public credit: licences (行政审批局), penalties (综合执法局), red and black lists (信用办),
and electronic licences (电子证照库) per GB/T 36901.

Licences valid past their holder's deregistration are planted here; the e-licence platform
repeats them with a licence identifier whose check character follows ISO 7064 MOD 37,36.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta

import numpy as np
import numpy.typing as npt
import polars as pl

from pipelines.contracts import get_contract
from pipelines.generator import _mess as m
from pipelines.generator._checks import uscc_check_chars
from pipelines.generator._context import Context
from pipelines.generator._mess import Mess
from pipelines.generator._model import Delivery, delivery_dates, stamp
from pipelines.generator._sources import _common as c
from pipelines.generator._sources.shichang import damage_credit_code

LICENCES = (
    ("食品经营许可证", "JY1", "核准", "预包装食品销售、热食类食品制售"),
    ("排污许可证", "PW", "核准", "大气污染物、水污染物排放"),
    ("建筑工程施工许可证", "SG", "普通", "房屋建筑工程施工"),
    ("道路运输经营许可证", "YS", "普通", "道路普通货物运输"),
    ("危险化学品经营许可证", "WH", "特许", "危险化学品批发（不带储存）"),
)
VIOLATIONS = (
    ("未取得许可从事经营", "《中华人民共和国行政许可法》第八十一条", "罚款"),
    ("违规占道经营", "《城市市容和环境卫生管理条例》第三十六条", "罚款"),
    ("违法排放污染物", "《中华人民共和国大气污染防治法》第九十九条", "罚款；责令改正"),
    ("违规倾倒建筑垃圾", "《城市建筑垃圾管理规定》第二十六条", "罚款"),
)
_MOD36 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def mod_37_36_check(bodies: list[str] | npt.NDArray[np.str_]) -> npt.NDArray[np.str_]:
    """ISO 7064 MOD 37,36 check characters, vectorised across bodies of equal length."""
    arr = np.asarray(bodies, dtype=str)
    if arr.size == 0:
        return np.array([], dtype="U1")
    width = len(arr[0])
    codes = np.frombuffer(np.char.upper(arr).astype(f"S{width}").tobytes(), dtype=np.uint8).reshape(-1, width)
    values = np.where(codes <= ord("9"), codes - ord("0"), codes - ord("A") + 10).astype(np.int64)
    check = np.full(len(arr), 18, dtype=np.int64)
    for i in range(width):
        check = ((np.where(check == 0, 36, check) * 2) % 37 + values[:, i]) % 36
    return np.array(list(_MOD36))[(1 - (np.where(check == 0, 36, check) * 2) % 37) % 36]


def _holders(ctx: Context, day: date) -> pl.DataFrame:
    orgs = ctx.orgs.filter(pl.col("category").is_in(["enterprise", "individual_business"]))
    return orgs.join(ctx.population.persons.select(pl.col("person_id").alias("legal_rep_id"),
                                                   pl.col("name").alias("rep_name"),
                                                   pl.col("id_number").alias("rep_idn")),
                     on="legal_rep_id", how="left", maintain_order="left")


def licence_events(ctx: Context) -> pl.DataFrame:
    """Licence decisions of the year (truth shared by the approval bureau and e-licences)."""
    rng = ctx.rng("shenpi.licences")
    start = ctx.as_of - timedelta(days=365)
    holders = _holders(ctx, ctx.as_of)
    n = holders.height
    gets = rng.random(n) < 0.18
    day = rng.integers(0, 360, n)
    decision = np.array([start], dtype="datetime64[D]") + day.astype("timedelta64[D]")
    dereg = holders["deregistered_date"].to_numpy().astype("datetime64[D]")
    # Planted: a third of the organisations deregistered this year got a licence before they closed.
    planted = ~np.isnat(dereg) & (rng.random(n) < 0.35)
    gets |= planted
    decision = np.where(planted, dereg - rng.integers(20, 120, n).astype("timedelta64[D]"), decision)
    ok = gets & (decision > np.datetime64(start)) & (np.isnat(dereg) | (decision < dereg)) & (
        holders["established"].to_numpy().astype("datetime64[D]") < decision)
    # Every licence granted before its holder's deregistration stays valid (nobody cancels it):
    # each is a contradiction, the planted ones and those an organisation happened to get. The
    # case is one the registers show: a deregistration at least a month before the as-of date
    # (the registry's quarterly snapshot shows it; a later one is not delivered yet).
    visible = ~np.isnat(dereg) & (dereg < np.datetime64(ctx.as_of - timedelta(days=30)))
    planted = ok & visible
    kind = rng.integers(0, len(LICENCES), n)
    long_term = rng.random(n) < 0.3
    frame = holders.with_columns(
        __decision=pl.Series(decision).cast(pl.Date),
        __kind=pl.Series(kind),
        __valid_to=pl.when(pl.Series(long_term)).then(pl.lit(date(2099, 12, 31))).otherwise(
            pl.Series(decision).cast(pl.Date).dt.offset_by("5y")),
        __planted=pl.Series(planted),
    ).filter(pl.Series(ok)).sort("__decision", "org_id", maintain_order=True)
    return frame.with_columns(__serial=pl.int_range(1, pl.len() + 1).cast(pl.String).str.zfill(5))


def licences(ctx: Context) -> list[Delivery]:
    contract = get_contract("shenpi__licence")
    rng = ctx.rng("shenpi.licence")
    ev = licence_events(ctx)
    dept = ctx.department("shenpi")
    names = pl.Series([x[0] for x in LICENCES])
    prefixes = pl.Series([x[1] for x in LICENCES])
    cats = pl.Series([x[2] for x in LICENCES])
    content = pl.Series([x[3] for x in LICENCES])
    county = ctx.settings.county
    stored = c.keyed(ev.select(
        party_name=pl.col("name"),
        party_category=pl.when(pl.col("category") == "individual_business").then(pl.lit("04")).otherwise(pl.lit("02")),
        uscc=pl.col("uscc"),
        legal_rep=pl.col("rep_name"),
        id_type=pl.lit("01"),
        id_number=pl.col("rep_idn"),
        decision_doc=pl.col("__kind").replace_strict(dict(enumerate(names)), return_dtype=pl.String) + "准予许可决定书",
        decision_no=pl.concat_str(pl.lit(county.name.removesuffix("区").removesuffix("县") + "审批许〔"),
                                  pl.col("__decision").dt.year().cast(pl.String), pl.lit("〕"), pl.col("__serial"), pl.lit("号")),
        licence_category=pl.col("__kind").replace_strict(dict(enumerate(cats)), return_dtype=pl.String),
        certificate_name=pl.col("__kind").replace_strict(dict(enumerate(names)), return_dtype=pl.String),
        licence_no=pl.concat_str(pl.col("__kind").replace_strict(dict(enumerate(prefixes)), return_dtype=pl.String),
                                 pl.lit(county.code), pl.col("__decision").dt.strftime("%Y"), pl.col("__serial")),
        content=pl.col("__kind").replace_strict(dict(enumerate(content)), return_dtype=pl.String),
        decision_date=c.date_str("__decision"),
        valid_from=c.date_str("__decision"),
        valid_to=c.date_str("__valid_to"),
        authority=pl.lit(dept["name"]),
        authority_uscc=pl.lit(dept["uscc"]),
        status=pl.lit("1"),
        data_source=pl.lit(dept["name"]),
        data_source_uscc=pl.lit(dept["uscc"]),
        __e=pl.col("__decision"),
        __planted=pl.col("__planted"),
        __p_holder=pl.col("org_id"),
        __p_legal_rep=pl.col("legal_rep_id"),
    ))
    mess = Mess(rng, stored)
    mess.record("licence_after_deregistration", "valid_to", mess.frame["__planted"].to_numpy())
    planted = ev.filter(pl.col("__planted"))
    ctx.add_cases("licence_after_deregistration", contract.source, "org", planted["org_id"],
                  pl.select(pl.concat_str(pl.lit("licence "), planted["__serial"], pl.lit(" valid to "),
                                          planted["__valid_to"].cast(pl.String), pl.lit(", deregistered "),
                                          planted["deregistered_date"].cast(pl.String))).to_series())
    damage_credit_code(mess, "uscc")
    c.damage_person(mess, name="legal_rep", id_number="id_number")
    c.future_date(mess, "decision_date", "iso", ctx.as_of, 0.01)
    c.event_before_start(ctx, mess, "decision_date", "holder", "org", "event_before_registered_establishment",
                         guard=("uscc",))
    c.dates_reversed(mess, "valid_from", "valid_to")
    return c.monthly_deliveries(ctx, contract, mess.frame.drop("__planted"), mess.defects(), "__e",
                                lambda mth: f"行政许可_{mth:%Y%m}.csv")


def penalties(ctx: Context) -> list[Delivery]:
    contract = get_contract("zhifa__penalty")
    rng = ctx.rng("zhifa.penalty")
    start = ctx.as_of - timedelta(days=365)
    holders = _holders(ctx, ctx.as_of).filter(pl.col("deregistered_date").is_null())
    picked = holders.filter(pl.Series(rng.random(holders.height) < 0.03))
    n = picked.height
    kind = rng.integers(0, len(VIOLATIONS), n)
    dept = ctx.department("zhifa")
    fine = np.round(rng.choice([0.05, 0.1, 0.2, 0.5, 1, 2, 5], n), 2)
    ev = picked.with_columns(  # a penalty is decided after the party was established
        __decision=pl.max_horizontal(pl.lit(start) + pl.duration(days=pl.Series(rng.integers(0, 360, n))),
                                     pl.col("established")),
        __kind=pl.Series(kind), __fine=pl.Series(fine),
    ).sort("__decision", "org_id", maintain_order=True).with_columns(__serial=pl.int_range(1, pl.len() + 1).cast(pl.String).str.zfill(4))
    v = {i: x for i, x in enumerate(VIOLATIONS)}
    short = ctx.settings.county.name.removesuffix("区").removesuffix("县")
    stored = c.keyed(ev.select(
        party_name=pl.col("name"),
        party_category=pl.when(pl.col("category") == "individual_business").then(pl.lit("04")).otherwise(pl.lit("02")),
        uscc=pl.col("uscc"),
        legal_rep=pl.col("rep_name"),
        id_type=pl.lit("01"),
        id_number=pl.col("rep_idn"),
        decision_no=pl.concat_str(pl.lit(short + "综执罚决字〔"), pl.col("__decision").dt.year().cast(pl.String),
                                  pl.lit("〕第"), pl.col("__serial"), pl.lit("号")),
        violation_type=pl.col("__kind").replace_strict({k: x[0] for k, x in v.items()}, return_dtype=pl.String),
        facts=pl.concat_str(pl.lit("当事人"), pl.col("name"), pl.lit("存在"),
                            pl.col("__kind").replace_strict({k: x[0] for k, x in v.items()}, return_dtype=pl.String),
                            pl.lit("的行为。")),
        basis=pl.col("__kind").replace_strict({k: x[1] for k, x in v.items()}, return_dtype=pl.String),
        penalty_category=pl.col("__kind").replace_strict({k: x[2] for k, x in v.items()}, return_dtype=pl.String),
        content=pl.concat_str(pl.lit("罚款人民币"), (pl.col("__fine") * 10000).cast(pl.Int64).cast(pl.String), pl.lit("元")),
        fine=pl.col("__fine").cast(pl.String),
        confiscated=pl.lit("0"),
        decision_date=c.date_str("__decision", "slash"),
        valid_until=c.date_str(pl.col("__decision").dt.offset_by("1y"), "slash"),
        publish_until=c.date_str(pl.col("__decision").dt.offset_by("3y"), "slash"),
        authority=pl.lit(dept["name"]),
        authority_uscc=pl.lit(dept["uscc"]),
        data_source=pl.lit(dept["name"]),
        data_source_uscc=pl.lit(dept["uscc"]),
        __e=pl.col("__decision"),
        __p_self=pl.col("org_id"),
        __p_legal_rep=pl.col("legal_rep_id"),
    ))
    mess = Mess(rng, stored)
    damage_credit_code(mess, "uscc")
    c.damage_person(mess, name="legal_rep", id_number="id_number")
    mess.transform("date_excel_serial", "decision_date", 0.03, m.excel_serial("slash"))
    c.event_before_start(ctx, mess, "decision_date", "self", "org", "event_before_registered_establishment",
                         fmt="%Y/%m/%d", guard=("uscc",))
    c.dates_reversed(mess, "decision_date", "publish_until", fmt="%Y/%m/%d")
    return c.monthly_deliveries(ctx, contract, mess.frame, mess.defects(), "__e",
                                lambda mth: f"行政处罚_{mth:%Y%m}.xlsx",
                                numeric=frozenset({"fine", "confiscated", "decision_date"}))


def credit_lists(ctx: Context) -> Iterator[Delivery]:
    """Red list (A-grade taxpayers) and black list (dishonest judgment debtors), quarterly JSON."""
    contract = get_contract("xinyong__credit_list")
    firms = _holders(ctx, ctx.as_of).filter(pl.col("category") == "enterprise")
    rng = ctx.rng("xinyong.lists")
    red = firms.filter(_at_least(rng, firms.height, 0.05, 3))
    red = red.with_columns(
        __type=pl.lit("红名单"), __list=pl.lit("纳税信用A级纳税人"), __reason=pl.lit("年度纳税信用评价为A级"),
        __authority=pl.lit(ctx.department("shuiwu")["name"]),
        __listed=pl.when(pl.Series(rng.random(red.height) < 0.6)).then(pl.lit(date(ctx.as_of.year - 1, 4, 15)))
        .otherwise(pl.lit(date(ctx.as_of.year, 4, 15))),
        __removed=pl.lit(None, dtype=pl.Date)).filter(pl.col("established") <= pl.col("__listed"))
    black = firms.filter(_at_least(rng, firms.height, 0.015, 2))
    start = ctx.as_of - timedelta(days=500)
    black = black.with_columns(
        __type=pl.lit("黑名单"), __list=pl.lit("失信被执行人"), __reason=pl.lit("有履行能力而拒不履行生效法律文书确定义务"),
        __authority=pl.lit(f"{ctx.settings.county.name}人民法院"),
        __listed=pl.max_horizontal(pl.lit(start) + pl.duration(days=pl.Series(rng.integers(0, 480, black.height))),
                                   pl.col("established")),
        __removed=pl.when(pl.Series(rng.random(black.height) < 0.2)).then(pl.lit(ctx.as_of - timedelta(days=30))),
    ).with_columns(  # a listing is removed after it was made
        __removed=pl.when(pl.col("__removed") > pl.col("__listed")).then(pl.col("__removed")))
    lists = pl.concat([red, black]).sort("__type", "org_id", maintain_order=True)
    dates = delivery_dates(contract.update_cycle, ctx.as_of, day=6)
    for i, d in enumerate(dates):
        day = pl.lit(d)
        frame = c.keyed(lists.filter(pl.col("__listed") <= day).select(
            list_type=pl.col("__type"), list_name=pl.col("__list"),
            subject_name=pl.when(pl.col("renamed_date") > day).then(pl.col("former_name")).otherwise(pl.col("name")),
            uscc=pl.col("uscc"), legal_rep=pl.col("rep_name"), listed_date=c.date_str("__listed"),
            removed_date=pl.when(pl.col("__removed") <= day).then(c.date_str("__removed")),
            reason=pl.col("__reason"), authority=pl.col("__authority"),
            __old_name=(pl.col("renamed_date") > day).fill_null(False), __p_self=pl.col("org_id"),
        ))
        mess = Mess(ctx.rng(f"xinyong.lists.{i}"), frame)
        mess.record("org_renamed", None, mess.frame["__old_name"].to_numpy())
        damage_credit_code(mess, "uscc")
        c.dates_reversed(mess, "listed_date", "removed_date", minimum=1)
        yield Delivery(contract=contract, delivery_date=d, file_name=f"红黑名单_{stamp(d)}.json",
                            frame=mess.frame.drop("__old_name"), defects=mess.defects(),
                            current=i == len(dates) - 1)


def _at_least(rng: np.random.Generator, n: int, rate: float, minimum: int) -> pl.Series:
    """A random selection at `rate`, but never fewer than `minimum` (small counties too)."""
    pick = rng.random(n) < rate
    if pick.sum() < minimum:
        pick[rng.choice(n, min(minimum, n), replace=False)] = True
    return pl.Series(pick)


def _type_codes(n: int) -> npt.NDArray[np.str_]:
    """Licence type codes: the defining authority's credit code plus a 3-digit serial."""
    bodies = np.array([f"11100000000{13000 + 37 * i:05d}0"[:17] for i in range(n)])
    return np.char.add(np.char.add(bodies, uscc_check_chars(bodies)), np.array([f"{i + 1:03d}" for i in range(n)]))


def e_licences(ctx: Context) -> list[Delivery]:
    """E-licence metadata (GB/T 36901) for licences issued to organisations and to persons."""
    return [*org_e_licences(ctx), *person_e_licences(ctx)]


def person_e_licences(ctx: Context) -> list[Delivery]:
    """E-licences of natural persons (marriage certificates, residence permits)."""
    return _person_licences(ctx, _type_codes(8)[5:])


def org_e_licences(ctx: Context) -> list[Delivery]:
    """E-licences of organisations: every approval-bureau licence also exists as an e-licence."""
    out = []
    types = _type_codes(8)
    # Organisations: every approval-bureau licence also exists as an e-licence.
    ev = licence_events(ctx)
    dept = ctx.department("shenpi")
    org_contract = get_contract("dzzz__org_licence")
    names = [x[0] for x in LICENCES]
    serial = ev["__serial"].str.zfill(7)
    body = pl.select(pl.concat_str(ev["__kind"].replace_strict(dict(enumerate(types[:5])), return_dtype=pl.String),
                                   pl.lit(dept["uscc"]), serial, pl.lit("001"))).to_series()
    check = pl.Series(mod_37_36_check(body.to_numpy().astype(str)))
    identifier = pl.select(pl.concat_str(
        pl.lit("1.2.156.3005.2."), ev["__kind"].replace_strict(dict(enumerate(types[:5])), return_dtype=pl.String),
        pl.lit("." + dept["uscc"] + "."), serial, pl.lit(".001."), check)).to_series()
    frame = c.keyed(ev.with_columns(__id=identifier).select(
        licence_name=pl.col("__kind").replace_strict(dict(enumerate(names)), return_dtype=pl.String),
        type_code=pl.col("__kind").replace_strict(dict(enumerate(types[:5])), return_dtype=pl.String),
        licence_no=pl.concat_str(pl.lit(ctx.settings.county.code), pl.col("__decision").dt.strftime("%Y"), pl.col("__serial")),
        licence_id=pl.col("__id"),
        issuer=pl.lit(dept["name"]),
        issuer_code=pl.lit(dept["uscc"]),
        issue_date=c.date_str("__decision"),
        holder=pl.col("name"),
        holder_code=pl.col("uscc"),
        holder_code_type=pl.lit("001"),
        valid_from=c.date_str("__decision"),
        valid_to=c.date_str("__valid_to"),
        status=pl.lit("有效"),
        __e=pl.col("__decision"),
        __planted=pl.col("__planted"),
        __p_holder=pl.col("org_id"),
    ))
    mess = Mess(ctx.rng("dzzz.org"), frame)
    mess.record("licence_after_deregistration", "valid_to", mess.frame["__planted"].to_numpy())
    damage_credit_code(mess, "holder_code", 0.5)
    out += list(c.monthly_deliveries(ctx, org_contract, mess.frame.drop("__planted"), mess.defects(), "__e",
                                     lambda mth: f"电子证照_法人_{mth:%Y%m}.jsonl"))
    planted = ev.filter(pl.col("__planted"))
    ctx.add_cases("licence_after_deregistration", org_contract.source, "org", planted["org_id"],
                  "e-licence valid after deregistration")
    return out


def _person_licences(ctx: Context, types: npt.NDArray[np.str_]) -> list[Delivery]:
    """Marriage certificates and residence permits of the year as natural-person e-licences."""
    contract = get_contract("dzzz__person_licence")
    rng = ctx.rng("dzzz.person")
    persons = ctx.population.persons
    start = ctx.as_of - timedelta(days=365)
    wed = persons.filter(pl.col("marriage_date").is_not_null()).with_columns(
        __e=pl.col("marriage_date"), __kind=pl.lit(0), __dept=pl.lit("minzheng"))
    movers = persons.filter(~pl.col("resident"))
    movers = movers.filter(pl.Series(rng.random(movers.height) < 0.3))
    movers = movers.with_columns(
        __e=pl.lit(start) + pl.duration(days=pl.Series(rng.integers(0, 360, movers.height))),
        __kind=pl.lit(1), __dept=pl.lit("gongan"))
    ev = pl.concat([wed, movers], how="diagonal_relaxed").sort("__e", "person_id", maintain_order=True)
    first = ctx.serial_start("dzzz.person", ev.height)
    ev = ev.with_columns(__serial=pl.int_range(first, first + pl.len()).cast(pl.String).str.zfill(7))
    issuers = {k: ctx.department(k) for k in ("minzheng", "gongan")}
    issuer_uscc = ev["__dept"].replace_strict({k: v["uscc"] for k, v in issuers.items()})
    type_code = ev["__kind"].replace_strict({0: str(types[0]), 1: str(types[1])}, return_dtype=pl.String)
    body = pl.select(pl.concat_str(type_code, issuer_uscc, ev["__serial"], pl.lit("001"))).to_series()
    check = pl.Series(mod_37_36_check(body.to_numpy().astype(str)), dtype=pl.String)
    identifier = pl.select(pl.concat_str(pl.lit("1.2.156.3005.2."), type_code, pl.lit("."), issuer_uscc,
                                         pl.lit("."), ev["__serial"], pl.lit(".001."), check)).to_series()
    frame = c.keyed(ev.with_columns(__id=identifier, __type=type_code, __issuer_uscc=issuer_uscc).select(
        licence_name=pl.col("__kind").replace_strict({0: "结婚证", 1: "居住证"}, return_dtype=pl.String),
        type_code=pl.col("__type"),
        licence_no=pl.concat_str(pl.lit(ctx.settings.county.code), pl.col("__serial")),
        licence_id=pl.col("__id"),
        issuer=pl.col("__dept").replace_strict({k: v["name"] for k, v in issuers.items()}),
        issuer_code=pl.col("__issuer_uscc"),
        issue_date=c.date_str("__e"),
        holder=pl.col("name"),
        holder_code=pl.col("id_number"),
        holder_code_type=pl.lit("111"),
        valid_from=c.date_str("__e"),
        valid_to=pl.when(pl.col("__kind") == 1).then(c.date_str(pl.col("__e").dt.offset_by("1y"))),
        status=pl.lit("有效"),
        __e=pl.col("__e"),
        __p_holder=pl.col("person_id"),
    ))
    mess = Mess(rng, frame)
    c.damage_person(mess, name="holder", id_number="holder_code", scale=0.5)
    return c.monthly_deliveries(ctx, contract, mess.frame, mess.defects(), "__e",
                                lambda mth: f"电子证照_自然人_{mth:%Y%m}.jsonl")


def build(ctx: Context) -> Iterator[Delivery]:
    """Every delivery of the department, one at a time (each is written before the next is built)."""
    yield from licences(ctx)
    yield from penalties(ctx)
    yield from credit_lists(ctx)
    yield from e_licences(ctx)


def build_persons(ctx: Context) -> Iterator[Delivery]:
    """Natural persons' e-licences (a sharded run builds these per shard)."""
    yield from person_e_licences(ctx)


def build_organisations(ctx: Context) -> Iterator[Delivery]:
    """Licences, penalties, credit lists and organisations' e-licences (built once)."""
    yield from licences(ctx)
    yield from penalties(ctx)
    yield from credit_lists(ctx)
    yield from org_e_licences(ctx)
