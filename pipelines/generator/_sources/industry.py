"""Industrial power (大工业用电): the factories' meters at the power company, and the output the
statistics bureau derives from the same production.

A factory's power use follows its production: a baseline proportional to its workforce, lower
in February (the Spring Festival stops the lines), a few per cent of noise month to month. The
township's industrial value added (规模以上工业增加值) the statistics bureau reports is the same
production valued at the township's own intensity (yuan of value added per kWh, set by what its
factories make and stable from month to month), so reported output and metered power move
together unless a figure was made up.

Factories are enterprises of a manufacturing trade that pay VAT monthly (the tax office's
regular payers: an idle shell draws no factory power), employ ten or more and were founded before
the year of readings (a meter is read every month, a closed factory's at 0). They are
organisations, county-wide: a sharded run adds their meters to the first shard's files only.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import polars as pl

from pipelines.generator._context import Context, stream
from pipelines.generator._model import KEY, Delivery, party
from pipelines.generator._sources import _common as c
from pipelines.generator._sources.shuiwu import vat_payers

CATEGORY = "大工业用电"
MANUFACTURING = ("建材", "纺织", "机械制造", "铝业", "食品", "化工", "热电", "粮油", "家具", "印刷", "新材料", "医药",
                 "服装", "五金")
MIN_EMPLOYEES = 10
_FIRST_KEY = 2 * 10**9  # keys of appended rows: never a builder's or the planter's


def factories(ctx: Context) -> pl.DataFrame:
    """Enterprises with a factory meter: org_id, name, address, township_code, established,
    deregistered_date, account_no, base_kwh (a month's use at full production).

    Drawn from the county's stream (not a shard's): the first shard's power files and the
    county-wide statistics report see the same factories."""
    rng = stream(ctx.seed, "industry.factories")
    chosen = ctx.orgs.filter((pl.col("category") == "enterprise") & pl.col("industry").is_in(MANUFACTURING)
                             & (pl.col("employees") >= MIN_EMPLOYEES) & pl.col("org_id").is_in(vat_payers(ctx).implode())
                             & (pl.col("established") < pl.lit(c.window_months(ctx.as_of)[0]))).sort("org_id")
    base = chosen["employees"].to_numpy() * 2500.0 * rng.lognormal(0, 0.5, chosen.height)
    return chosen.select("org_id", "name", "uscc", "address", "township_code", "established",
                         "deregistered_date").with_columns(
        account_no=pl.concat_str(pl.lit("G"), pl.int_range(1, pl.len() + 1).cast(pl.String).str.zfill(7)),
        base_kwh=pl.Series(np.round(base, 0)))


def monthly_use(ctx: Context, fac: pl.DataFrame, month: date) -> pl.Series:
    """Each factory's kWh in `month` (0 before it was founded or after it closed)."""
    rng = stream(ctx.seed, f"industry.use.{month:%Y%m}")  # the county's stream, as for `factories`
    season = 0.8 if month.month == 2 else 1.0
    running = ((fac["established"] < month)
               & (fac["deregistered_date"].is_null() | (fac["deregistered_date"] > month))).to_numpy()
    use = fac["base_kwh"].to_numpy() * season * rng.lognormal(0, 0.06, fac.height)
    return pl.Series(np.round(np.where(running, use, 0.0), 0))


def township_use(ctx: Context, fac: pl.DataFrame, months: list[date]) -> pl.DataFrame:
    """Industrial kWh per township over `months` (township_code, kwh)."""
    total = np.zeros(fac.height)
    for month in months:
        total += monthly_use(ctx, fac, month).to_numpy()
    return fac.select("township_code").with_columns(kwh=pl.Series(total)).group_by("township_code").agg(
        pl.col("kwh").sum()).sort("township_code")


def _append(delivery: Delivery, rows: pl.DataFrame) -> None:
    frame = delivery.frame
    start = _FIRST_KEY + frame.height
    rows = rows.with_columns(pl.int_range(start, start + pl.len()).alias(KEY))
    delivery.frame = pl.concat([frame, rows.select(
        [(pl.col(n) if n in rows.columns else pl.lit(None)).cast(t).alias(n) for n, t in frame.schema.items()])])


def add_accounts(ctx: Context, delivery: Delivery) -> None:
    """The factories' meters in the power company's customer list (held in the enterprise's
    name at its registered address; no person behind them)."""
    if not ctx.first_shard:
        return
    fac = factories(ctx)
    if fac.is_empty():
        return
    rows = fac.select(
        account_no="account_no", holder="name", address=pl.concat_str(pl.lit(ctx.settings.county.name), "address"),
        category=pl.lit(CATEGORY), opened=c.date_str("established", "compact"), status=pl.lit("正常"))
    _append(delivery, rows.with_columns(pl.lit(None, pl.String).alias(party("holder"))))


def add_use(ctx: Context, delivery: Delivery) -> None:
    """The factories' readings in a month's consumption file (a meter read on the month's end:
    the reading carries on from the month before)."""
    if not ctx.first_shard or delivery.period is None:
        return
    fac = factories(ctx)
    if fac.is_empty():
        return
    before = np.full(fac.height, 10_000.0)
    for month in c.window_months(ctx.as_of):
        if month >= delivery.period:
            break
        before += monthly_use(ctx, fac, month).to_numpy()
    use = monthly_use(ctx, fac, delivery.period)
    rows = pl.DataFrame({"account_no": fac["account_no"], "__use": use, "__prev": before}).with_columns(
        month=pl.lit(f"{delivery.period:%Y%m}"), kwh=pl.col("__use").cast(pl.Int64).cast(pl.String),
        fee=c.money(pl.col("__use") * 0.65))
    if "reading_prev" in delivery.frame.columns:
        rows = rows.with_columns(reading_prev=pl.col("__prev").cast(pl.Int64).cast(pl.String),
                                 reading=(pl.col("__prev") + pl.col("__use")).cast(pl.Int64).cast(pl.String))
    _append(delivery, rows.drop("__use", "__prev"))  # every meter is read, a closed factory's at 0
