"""Tax (县税务局): taxpayer register and monthly tax receipts."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import numpy as np
import polars as pl

from pipelines.contracts import get_contract
from pipelines.generator import _mess as m
from pipelines.generator._context import Context, stream
from pipelines.generator._mess import Mess
from pipelines.generator._model import Delivery, delivery_dates, stamp
from pipelines.generator._sources import _common as c
from pipelines.generator._sources.shichang import as_at, damage_credit_code, mark_history

INDUSTRY = {"商贸": "批发业", "建材": "非金属矿物制品业", "纺织": "纺织业", "铝业": "有色金属冶炼和压延加工业",
            "食品": "食品制造业", "物流": "道路运输业", "化工": "化学原料和化学制品制造业", "热电": "电力、热力生产和供应业"}


def taxpayers(ctx: Context) -> Iterator[Delivery]:
    """Quarterly full list of taxpayers (XLSX with a title row): enterprises and businesses."""
    contract = get_contract("shuiwu__taxpayer")
    orgs = ctx.orgs.filter(pl.col("category").is_in(["enterprise", "individual_business", "cooperative"]))
    persons = ctx.population.persons
    offices = [f"{t}税务分局" for t in ("城区", "博平", "乐平铺", "杜郎口")]
    dates = delivery_dates(contract.update_cycle, ctx.as_of, day=15)
    for i, d in enumerate(dates):
        rng = ctx.rng(f"shuiwu.taxpayer.{i}")
        state = as_at(orgs, persons, d).sort("org_id", maintain_order=True)
        frame = c.keyed(state.select(
            taxpayer_id=pl.col("uscc"),
            name=pl.col("__name"),
            legal_rep=pl.col("__rep_name"),
            legal_rep_id=pl.col("__rep_idn"),
            registration_type=pl.col("category").replace_strict(
                {"enterprise": "有限责任公司", "individual_business": "个体工商户", "cooperative": "农民专业合作社"}),
            industry=pl.col("industry").replace_strict(INDUSTRY, default="零售业"),
            registered=c.date_str(pl.col("established") + pl.duration(days=20), "iso"),
            # The tax office learns of a deregistration late: some show 正常 after it.
            status=pl.when(pl.col("__dereg") & (pl.col("deregistered_date") < pl.lit(d - timedelta(days=60))))
            .then(pl.lit("注销")).otherwise(pl.lit("正常")),
            tax_office=pl.Series(np.array(offices)[rng.integers(0, len(offices), state.height)]),
            address=pl.concat_str(pl.lit(ctx.settings.county.name), pl.col("address")),
            phone=pl.col("__rep_phone"),
            __old_name=pl.col("__old_name"),
            __old_rep=pl.col("__old_rep"),
            __p_self=pl.col("org_id"),
            __p_legal_rep=pl.col("__rep"),
        ))
        mess = Mess(rng, frame)
        mark_history(mess)
        damage_credit_code(mess, "taxpayer_id", 0.5)
        c.damage_person(mess, name="legal_rep", id_number="legal_rep_id", phone="phone", scale=0.6)
        mess.transform("date_excel_serial", "registered", 0.02, m.excel_serial("iso"))
        yield Delivery(contract=contract, delivery_date=d, file_name=f"纳税人登记_{stamp(d)}.xlsx",
                            frame=mess.frame.drop("__old_name", "__old_rep"), defects=mess.defects(),
                            title=f"{ctx.settings.county.name}纳税人登记信息（截至{d:%Y年%m月%d日}）",
                            numeric=frozenset({"registered"}), current=i == len(dates) - 1)


def _vat_payer(ctx: Context, orgs: pl.DataFrame, rng: np.random.Generator) -> np.ndarray:
    """Which of `orgs` (enterprises and businesses) pay VAT: the stream's first draw."""
    return rng.random(orgs.height) < np.where(orgs["category"].to_numpy() == "enterprise", 0.6, 0.2)


def _taxable(ctx: Context) -> pl.DataFrame:
    return ctx.orgs.filter(pl.col("category").is_in(["enterprise", "individual_business"]))


def vat_payers(ctx: Context) -> pl.Series:
    """Org ids of the VAT payers (the power company's factories are among them). The tax office's
    files are county-wide: the county's stream, whichever shard asks."""
    orgs = _taxable(ctx)
    return orgs.filter(pl.Series(_vat_payer(ctx, orgs, stream(ctx.seed, "shuiwu.tax"))))["org_id"]


def monthly_tax(ctx: Context) -> Iterator[Delivery]:
    """Taxes paid each month: VAT monthly, corporate income tax quarterly, businesses quarterly."""
    contract = get_contract("shuiwu__monthly_tax")
    rng = ctx.rng("shuiwu.tax")
    orgs = _taxable(ctx)
    vat_payer = _vat_payer(ctx, orgs, rng)
    # Monthly turnover in yuan, roughly proportional to registered capital (万元).
    size = orgs["registered_capital"].to_numpy() * np.where(orgs["category"].to_numpy() == "enterprise", 800, 3000)
    frames = []
    for mth in c.window_months(ctx.as_of):
        quarter_end = mth.month in (1, 4, 7, 10)
        active = orgs.with_columns(__vat=pl.Series(vat_payer), __size=pl.Series(size)).filter(
            # paid in `mth` for a period ending the day before: only by an organisation existing then
            (pl.col("established") < pl.lit(mth)) & (pl.col("deregistered_date").is_null()
                                                            | (pl.col("deregistered_date") > pl.lit(mth))))
        ent = active["category"] == "enterprise"
        vat = active.filter(pl.col("__vat") & ((pl.col("category") == "enterprise") | pl.lit(quarter_end)))
        frames.append(vat.with_columns(__item=pl.lit("增值税"), __month=pl.lit(mth),
                                       __amount=pl.col("__size") * pl.Series(rng.lognormal(0, 0.5, vat.height)) * 0.013))
        if quarter_end:
            cit = active.filter(ent & pl.col("__vat"))
            frames.append(cit.with_columns(__item=pl.lit("企业所得税"), __month=pl.lit(mth),
                                           __amount=pl.col("__size") * pl.Series(rng.lognormal(0, 0.6, cit.height)) * 0.025))
    tax = pl.concat(frames).sort("__month", "org_id", "__item", maintain_order=True)
    tax = tax.with_columns(__start=pl.when(pl.col("__item") == "增值税").then(
        pl.when(pl.col("category") == "enterprise").then(pl.col("__month").dt.offset_by("-1mo"))
        .otherwise(pl.col("__month").dt.offset_by("-3mo"))).otherwise(pl.col("__month").dt.offset_by("-3mo")))
    township = ctx.geo.townships.select("township_code", "township_name")
    tax = tax.join(township, on="township_code", how="left", maintain_order="left")
    stored = c.keyed(tax.select(
        taxpayer_id=pl.col("uscc"),
        name=pl.when(pl.col("renamed_date") > pl.col("__month")).then(pl.col("former_name")).otherwise(pl.col("name")),
        period_start=c.date_str("__start", "compact"),
        period_end=c.date_str(pl.col("__month") - pl.duration(days=1), "compact"),
        tax_item=pl.col("__item"),
        amount=c.money(pl.col("__amount")),
        paid_date=c.date_str(pl.col("__month") + pl.duration(days=14), "compact"),
        township=pl.col("township_name"),
        __e=pl.col("__month"),
        __old_name=(pl.col("renamed_date") > pl.col("__month")).fill_null(False),
        __old_rep=pl.lit(False),
        __p_self=pl.col("org_id"),
    ))
    mess = Mess(rng, stored)
    mark_history(mess)
    damage_credit_code(mess, "taxpayer_id", 0.4)
    mess.transform("amount_format", "amount", 0.02, m.amount_format)
    c.event_before_start(ctx, mess, "paid_date", "self", "org", "event_before_registered_establishment",
                         fmt="%Y%m%d", guard=("taxpayer_id",))
    stored = mess.frame.drop("__old_name", "__old_rep")
    deliveries = c.monthly_deliveries(ctx, contract, stored, mess.defects(), "__e",
                                lambda mth: f"税收入库_{mth:%Y%m}.csv", lag_days=8)
    for i, delivery in enumerate(deliveries):
        if i == 4:
            # One month the clerk added a remark column before sending.
            remarks = np.where(rng.random(delivery.frame.height) < 0.05, "已核实", None)
            c.extra_column(delivery, "remark", "备注", remarks.tolist())
        yield delivery


def build(ctx: Context) -> Iterator[Delivery]:
    """Every delivery of the department, one at a time (each is written before the next is built)."""
    yield from taxpayers(ctx)
    yield from monthly_tax(ctx)
