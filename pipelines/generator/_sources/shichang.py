"""Market regulation (县市场监管局): enterprises, individual businesses, annual reports."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import polars as pl

from pipelines.contracts import get_contract
from pipelines.generator import _mess as m
from pipelines.generator._context import Context
from pipelines.generator._mess import Mess
from pipelines.generator._model import KEY, Delivery, delivery_dates, stamp
from pipelines.generator._sources import _common as c

ENTERPRISE_TYPES = {"有限公司": "有限责任公司(自然人投资或控股)", "有限责任公司": "有限责任公司(自然人独资)",
                    "股份有限公司": "股份有限公司(非上市、自然人投资或控股)"}
SCOPES = {
    "商贸": "日用百货、五金交电、建材销售", "建材": "建筑材料生产、销售", "纺织": "棉纱、棉布生产、销售",
    "铝业": "铝锭、铝材加工、销售", "食品": "食品生产；食品经营", "物流": "普通货物道路运输；仓储服务",
}


SHOP_SCOPES = {
    "超市": "日用百货、食品零售", "五金店": "五金交电零售", "饭店": "餐饮服务", "烧饼铺": "小餐饮",
    "理发店": "理发服务", "水果店": "水果零售", "服装店": "服装鞋帽零售", "农资店": "化肥、农药零售",
    "修车铺": "机动车维修", "小卖部": "日用百货零售", "包子铺": "小餐饮", "烟酒店": "卷烟、酒类零售",
    "手机店": "通讯设备零售", "建材店": "建材零售", "粮油店": "粮油零售", "养殖场": "畜禽养殖",
    "诊所": "诊疗服务", "药店": "药品零售", "快递站": "快递收派服务", "面馆": "小餐饮",
}
SHOP_PATTERN = "(" + "|".join(SHOP_SCOPES) + ")$"


def as_at(orgs: pl.DataFrame, persons: pl.DataFrame, day: date) -> pl.DataFrame:
    """Each organisation as its register showed it on `day`: name, legal rep, status."""
    d = pl.lit(day)
    state = orgs.filter(pl.col("established") <= d).with_columns(
        __name=pl.when(pl.col("renamed_date") > d).then(pl.col("former_name")).otherwise(pl.col("name")),
        __rep=pl.when(pl.col("legal_rep_changed_date") > d).then(pl.col("former_legal_rep_id"))
        .otherwise(pl.col("legal_rep_id")),
        __old_name=(pl.col("renamed_date") > d).fill_null(False),
        __old_rep=(pl.col("legal_rep_changed_date") > d).fill_null(False),
        __dereg=(pl.col("deregistered_date") <= d).fill_null(False),
    )
    reps = persons.select(pl.col("person_id").alias("__rep"), pl.col("name").alias("__rep_name"),
                          pl.col("id_number").alias("__rep_idn"), pl.col("phone").alias("__rep_phone"))
    return state.join(reps, on="__rep", how="left", maintain_order="left")


def mark_history(mess: Mess) -> None:
    """Rows still showing an organisation's former name or former legal representative."""
    mess.record("org_renamed", None, mess.frame["__old_name"].to_numpy())
    mess.record("legal_rep_changed", None, mess.frame["__old_rep"].to_numpy())


def damage_credit_code(mess: Mess, column: str, scale: float = 1.0) -> None:
    """Credit codes typed in lowercase, with a wrong character, or in full-width."""
    codes = mess.frame[column].fill_null("")
    mess.transform("uscc_lowercase", column, 0.02 * scale,
                   lambda v, r: pl.Series(v).str.to_lowercase().to_numpy().astype(object),
                   eligible=codes.str.contains("[A-Z]"))
    mess.transform("uscc_typo", column, 0.006 * scale, m.digit_typo_code,
                   eligible=codes.str.len_chars() == 18)
    mess.transform("fullwidth_digits", column, 0.004 * scale, m.fullwidth)


def enterprises(ctx: Context) -> Iterator[Delivery]:
    """A quarterly full extract of the enterprise register (UTF-8 with BOM)."""
    contract = get_contract("shichang__enterprise")
    orgs = ctx.orgs.filter(pl.col("category") == "enterprise")
    persons = ctx.population.persons
    authority = ctx.department("shichang")["name"]
    dates = delivery_dates(contract.update_cycle, ctx.as_of, day=3)
    for i, d in enumerate(dates):
        state = as_at(orgs, persons, d).sort("org_id", maintain_order=True)
        form = state["name"].str.extract(r"(股份有限公司|有限责任公司|有限公司)$", 1)
        frame = c.keyed(state.select(
            uscc=pl.col("uscc"),
            name=pl.col("__name"),
            enterprise_type=form.replace_strict(ENTERPRISE_TYPES, default="其他有限责任公司"),
            legal_rep=pl.col("__rep_name"),
            legal_rep_id=pl.col("__rep_idn"),
            capital=c.money(pl.col("registered_capital")),
            established=c.date_str("established"),
            approved=c.date_str(pl.coalesce("deregistered_date", "legal_rep_changed_date", "renamed_date",
                                            "established")),
            status=pl.when(pl.col("__dereg")).then(pl.lit("注销")).otherwise(pl.lit("存续")),
            deregistered=pl.when(pl.col("__dereg")).then(c.date_str("deregistered_date")),
            address=pl.concat_str(pl.lit(ctx.settings.county.province + ctx.settings.county.city
                                         + ctx.settings.county.name), pl.col("address")),
            scope=pl.col("industry").replace_strict(SCOPES, default="一般项目：技术服务、技术开发"),
            authority=pl.lit(authority),
            phone=pl.col("__rep_phone"),
            __old_name=pl.col("__old_name"),
            __old_rep=pl.col("__old_rep"),
            __p_self=pl.col("org_id"),
            __p_legal_rep=pl.col("__rep"),
        ))
        # Keys follow the organisation, so a snapshot's damage is its own (each export is retyped
        # from a different system state), and counts stay exact per file.
        mess = Mess(ctx.rng(f"shichang.enterprise.{i}"), frame)
        mark_history(mess)
        damage_credit_code(mess, "uscc", 0.5)
        c.damage_person(mess, name="legal_rep", id_number="legal_rep_id", phone="phone", scale=0.7)
        mess.transform("amount_format", "capital", 0.02, m.amount_format)
        mess.transform("date_format", "established", 0.02, m.date_spelling("iso"))
        mess.transform("traditional_chars", "name", 0.005, m.traditional)
        c.event_before_start(ctx, mess, "approved", "self", "org", "event_before_establishment",
                             guard=("established",))
        delivery = Delivery(contract=contract, delivery_date=d, file_name=f"企业登记_{stamp(d)}.csv",
                            frame=mess.frame.drop("__old_name", "__old_rep"), defects=mess.defects(),
                            current=i == len(dates) - 1)
        if i == 2:
            c.rename_header(delivery, "uscc", "信用代码")
        yield delivery


def individual_businesses(ctx: Context) -> Iterator[Delivery]:
    """A quarterly extract of individual businesses (GBK: rare characters become '?')."""
    contract = get_contract("shichang__individual_business")
    orgs = ctx.orgs.filter(pl.col("category") == "individual_business")
    persons = ctx.population.persons
    dates = delivery_dates(contract.update_cycle, ctx.as_of, day=3)
    for i, d in enumerate(dates):
        rng = ctx.rng(f"shichang.individual.{i}")
        state = as_at(orgs, persons, d).sort("org_id", maintain_order=True)
        no_name = pl.Series(rng.random(state.height) < 0.2)
        frame = c.keyed(state.select(
            uscc=pl.col("uscc"),
            name=pl.when(no_name).then(None).otherwise(pl.col("__name")),
            operator=pl.col("__rep_name"),
            operator_id=pl.col("__rep_idn"),
            form=pl.lit("个人经营"),
            address=pl.concat_str(pl.lit(ctx.settings.county.name), pl.col("address")),
            scope=pl.col("name").str.extract(SHOP_PATTERN, 1).replace_strict(SHOP_SCOPES, default="日用百货零售"),
            established=c.date_str("established", "compact"),
            status=pl.when(pl.col("__dereg")).then(pl.lit("注销")).otherwise(pl.lit("存续")),
            phone=pl.col("__rep_phone"),
            __p_self=pl.col("org_id"),
            __p_operator=pl.col("__rep"),
        ))
        mess = Mess(rng, frame)
        damage_credit_code(mess, "uscc", 0.5)
        c.damage_person(mess, name="operator", id_number="operator_id", phone="phone")
        c.pick_missing(mess, "name", 0.05)
        c.damage_csv_rows(mess, "address")
        delivery = Delivery(contract=contract, delivery_date=d, file_name=f"个体工商户_{stamp(d)}.csv",
                            frame=mess.frame, defects=mess.defects(), current=i == len(dates) - 1)
        if i == 1:
            c.other_encoding(delivery, "utf-8")
        if i == 2:
            c.rename_header(delivery, "name", "名称")
        delivery.defects = pl.concat([delivery.defects, c.mark_unencodable(
            mess.frame, delivery.encoding or contract.encoding)])
        yield delivery


def annual_reports(ctx: Context) -> list[Delivery]:
    """Last year's annual reports, filed by 30 June, delivered in July (JSON Lines)."""
    contract = get_contract("shichang__annual_report")
    rng = ctx.rng("shichang.annual")
    year = ctx.as_of.year - 1 if ctx.as_of.month >= 8 else ctx.as_of.year - 2
    d = c.workday(date(year + 1, 7, 10))
    orgs = ctx.orgs.filter((pl.col("category") == "enterprise") & (pl.col("established") < date(year, 12, 31)))
    filed_day = rng.integers(0, 180, orgs.height)
    orgs = orgs.with_columns(__filed=pl.lit(date(year + 1, 1, 1)) + pl.duration(days=pl.Series(filed_day)))
    orgs = orgs.filter(pl.Series(rng.random(orgs.height) < 0.88)
                       & (pl.col("deregistered_date").is_null() | (pl.col("deregistered_date") > pl.col("__filed"))))
    state = orgs.with_columns(
        __name=pl.when(pl.col("renamed_date") > pl.col("__filed")).then(pl.col("former_name")).otherwise(pl.col("name")),
        __old_name=(pl.col("renamed_date") > pl.col("__filed")).fill_null(False),
        __old_rep=pl.lit(False),
    ).join(ctx.population.persons.select(pl.col("person_id").alias("legal_rep_id"), "phone"), on="legal_rep_id",
           how="left", maintain_order="left").sort("__filed", "org_id", maintain_order=True)
    assets = state["registered_capital"].to_numpy() * rng.lognormal(0.3, 0.6, state.height)
    frame = c.keyed(state.select(
        uscc=pl.col("uscc"),
        name=pl.col("__name"),
        report_year=pl.lit(str(year)),
        employees=pl.col("employees").cast(pl.String),
        total_assets=c.money(pl.lit(pl.Series(assets))),
        revenue=c.money(pl.lit(pl.Series(assets * rng.lognormal(0, 0.7, state.height)))),
        tax_paid=c.money(pl.lit(pl.Series(assets * rng.uniform(0.005, 0.04, state.height)))),
        address=pl.concat_str(pl.lit(ctx.settings.county.name), pl.col("address")),
        phone=pl.col("phone"),
        email=pl.lit(None, dtype=pl.String),
        filed=c.date_str("__filed"),
        __old_name=pl.col("__old_name"),
        __old_rep=pl.col("__old_rep"),
        __p_self=pl.col("org_id"),
    ))
    mess = Mess(rng, frame)
    mark_history(mess)
    c.damage_person(mess, phone="phone")
    mess.transform("amount_format", "revenue", 0.03, m.amount_format)
    return [Delivery(contract=contract, delivery_date=d, file_name=f"企业年报_{year}.jsonl",
                     frame=mess.frame.drop("__old_name", "__old_rep"), defects=mess.defects())]


def build(ctx: Context) -> Iterator[Delivery]:
    """Every delivery of the department, one at a time (each is written before the next is built)."""
    yield from enterprises(ctx)
    yield from individual_businesses(ctx)
    yield from annual_reports(ctx)


__all__ = ["KEY", "as_at", "build", "damage_credit_code", "mark_history"]
