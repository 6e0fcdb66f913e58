"""Statistics (县统计局): township and county indicators by period, as reported.

The bureau reports monthly (统计月报: the year to date; January's report is the year before).
Additive township indicators should sum to the county's; investment should agree with the
project library, registered population with the household register, the number of enterprises
with the market regulator's register, insured persons (参保人数, counted where registered) with
the social-insurance bureau's list, and industrial value added with the factories' metered
power (industry.py: the same production, valued at the township's own output per kWh). A few
reported figures do not, as planted authenticity cases: two county totals per report that are
not the sum of their townships; per report two townships whose registered population, one whose
enterprise count and one whose insured persons the office over- or under-reported; and, in the
reports whose months of power readings are delivered, two townships' value added made up. Next
to them near-misses: a count 2% off, a value added 8% off.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta

import numpy as np
import polars as pl

from pipelines.contracts import get_contract
from pipelines.generator._context import Context
from pipelines.generator._mess import Mess
from pipelines.generator._model import Delivery, delivery_dates, stamp
from pipelines.generator._sources import _common as c
from pipelines.generator._sources import industry, renshe
from pipelines.generator._sources.fagai import completed_in_year, projects

# indicator -> (unit, additive, yearly scale per resident in the unit)
TOWNSHIP_INDICATORS = {
    "户籍人口": ("人", True, None),
    "固定资产投资": ("万元", True, None),
    "规模以上工业增加值": ("万元", True, None),  # from the factories' production (industry.py)
    "社会消费品零售总额": ("万元", True, 1.6),
    "一般公共预算收入": ("万元", True, 0.35),
    "企业法人单位数": ("个", True, None),
    "参保人数": ("人", True, None),
}
COUNTY_ONLY = {"地区生产总值": ("亿元", None), "农村居民人均可支配收入": ("元", None)}


def _period(d: date) -> tuple[str, date, int]:
    """The period a monthly report delivered on `d` covers: last year in January, else the year
    to the end of the month before (February's report is January's alone)."""
    if d.month == 1:
        return f"{d.year - 1}年", date(d.year - 1, 12, 31), d.year - 1
    end_month = d.month - 1
    end = c.month_end(date(d.year, end_month, 1))
    label = f"{d.year}年1月" if end_month == 1 else f"{d.year}年1-{end_month}月"
    return label, end, d.year


def enterprise_counts(ctx: Context, end: date) -> pl.DataFrame:
    """Enterprises registered and not deregistered at `end`, per township (township_code, __enterprises)."""
    orgs = ctx.orgs.filter((pl.col("category") == "enterprise") & (pl.col("established") <= end)
                           & (pl.col("deregistered_date").is_null() | (pl.col("deregistered_date") > end)))
    return orgs.group_by("township_code", maintain_order=True).len().rename({"len": "__enterprises"})


def _period_months(end: date) -> list[date]:
    """The months a report ending on `end` covers: January to `end`'s month (a year's report: all twelve)."""
    return [date(end.year, m, 1) for m in range(1, end.month + 1)]


def _power_delivered(ctx: Context, months: list[date]) -> bool:
    """Whether the power company's monthly files of every one of `months` are delivered by the
    as-of date (only those reports can be compared with metered power)."""
    window = set(c.window_months(ctx.as_of))
    return all(m in window and c.workday(c.next_month(m) + timedelta(days=3)) <= ctx.as_of for m in months)


def _period_ends(ctx: Context) -> list[date]:
    contract = get_contract("tongji__indicator")
    return [_period(d)[1] for d in delivery_dates(contract.update_cycle, ctx.as_of, day=20)]


def registered_counts(ctx: Context) -> pl.DataFrame:
    """Registered residents and insured persons (参保人数: insured in either pension scheme and
    still in the county) per township at the end of each reported period (end, township_code,
    len, insured), counted from the context's population: a sharded run adds up its shards'
    counts."""
    persons = ctx.population.persons.filter(pl.col("resident"))
    # the insured are counted where they are registered (按户籍地), as the population is
    insured = renshe.insured_members(ctx).filter(pl.col("resident") & pl.col("township_code").is_not_null())
    present = pl.coalesce("death_date", "moved_out_date")
    frames = []
    for end in dict.fromkeys(_period_ends(ctx)):
        registered = persons.filter((pl.col("registered_date") <= end) & (present.is_null() | (present > end)))
        counted = insured.filter((pl.col("__start") <= end) & (pl.col("registered_date") <= end)
                                 & (present.is_null() | (present > end)))
        frames.append(registered.group_by("township_code").len().join(
            counted.group_by("township_code").agg(pl.len().alias("insured")), on="township_code", how="full",
            coalesce=True).with_columns(pl.col("len", "insured").fill_null(0), end=pl.lit(end)))
    return pl.concat(frames).select("end", "township_code", "len", "insured").sort("end", "township_code")


def add_counts(parts: list[pl.DataFrame]) -> pl.DataFrame:
    """County-wide registered and insured counts from the counts of its shards."""
    return pl.concat(parts).group_by("end", "township_code").agg(pl.col("len", "insured").sum()).sort(
        "end", "township_code")


def indicators(ctx: Context) -> Iterator[Delivery]:
    contract = get_contract("tongji__indicator")
    rng = ctx.rng("tongji.indicator")
    county = ctx.settings.county
    townships = ctx.geo.townships
    registered_all = ctx.registered if ctx.registered is not None else registered_counts(ctx)
    proj = projects(ctx)
    base = rng.lognormal(0, 0.35, (townships.height, len(TOWNSHIP_INDICATORS)))
    historic = next((h.code for h in county.historic_codes if h.valid_to is not None and h.valid_to >= 2000),
                    county.code)
    dates = delivery_dates(contract.update_cycle, ctx.as_of, day=20)
    factories = industry.factories(ctx)
    # yuan of value added per kWh, by township: what its factories make (a separate stream)
    intensity = dict(zip(townships["township_code"].to_list(),
                         ctx.rng("tongji.intensity").lognormal(np.log(1.2), 0.3, townships.height).tolist(), strict=True))
    power_planted: dict[str, int] = {}
    for i, d in enumerate(dates):
        label, end, year = _period(d)
        fraction = 1.0 if label.endswith("年") else (end.month / 12)
        counts = registered_all.filter(pl.col("end") == end).select("township_code", "len", "insured")
        done = proj.with_columns(__done=completed_in_year(proj, year, end)).group_by("township_code", maintain_order=True).agg(
            pl.col("__done").sum())
        enterprises = enterprise_counts(ctx, end)
        power = industry.township_use(ctx, factories, _period_months(end))
        # the estimate each township's office makes of its value added: within 2% of its production
        output = power.with_columns(__output=pl.col("kwh") * pl.col("township_code").replace_strict(intensity)
                                    * pl.Series(rng.uniform(0.98, 1.02, power.height)) / 10_000)
        rows = []
        for j, (name, (unit, _, per_head)) in enumerate(TOWNSHIP_INDICATORS.items()):
            t = townships.select("township_code", "township_name").join(counts, on="township_code", how="left", maintain_order="left").join(
                done, on="township_code", how="left", maintain_order="left").join(
                enterprises, on="township_code", how="left", maintain_order="left").join(
                output.select("township_code", "__output"), on="township_code", how="left", maintain_order="left"
            ).with_columns(pl.col("len", "insured").fill_null(0), pl.col("__done", "__enterprises", "__output").fill_null(0))
            if name == "户籍人口":
                value = t["len"].cast(pl.Float64)
            elif name == "参保人数":
                value = t["insured"].cast(pl.Float64)
            elif name == "企业法人单位数":
                value = t["__enterprises"].cast(pl.Float64)
            elif name == "固定资产投资":
                value = t["__done"]
            elif name == "规模以上工业增加值":
                value = t["__output"]
            else:
                value = t["len"] * per_head * fraction * pl.Series(base[:, j])
            rows.append(t.select("township_code", "township_name").with_columns(
                indicator=pl.lit(name), unit=pl.lit(unit), value=value.round(1 if unit != "人" else 0)))
        tw = pl.concat(rows)
        # Planted: one township's registered population contradicts the household register
        # in two townships (over-reported one month, under-reported the next), by far more than
        # the 5% a count can drift between the period's end and the register's snapshot; and a
        # third township's number of enterprises contradicts the market regulator's register the
        # same way. The county total adds up the reported figures, so only the comparison with the
        # registers finds them.
        factor = 1.18 if i % 2 == 0 else 0.82
        planted_cross = pl.repeat(False, tw.height, eager=True)
        taken: list[str] = []
        cross_cases: list[tuple[str, str]] = []
        # (enterprises first: few townships have enough of them to compare, and it takes the largest)
        for case_ind in ("企业法人单位数", "户籍人口", "户籍人口", "参保人数"):
            reported_rows = tw.filter((pl.col("indicator") == case_ind) & ~pl.col("township_code").is_in(taken))
            case_tw = townships["township_code"][int(rng.integers(0, townships.height))]
            reported = reported_rows.filter(pl.col("township_code") == case_tw)["value"].fill_null(0).sum()
            if case_tw in taken or reported < 60 or round(reported * factor) == reported:
                # A township with (almost) nobody registered cannot be misreported by a factor,
                # and one township holds one misreport: take the largest other township instead.
                case_tw = reported_rows.sort("value", "township_code", descending=[True, False])["township_code"][0]
            taken.append(case_tw)
            cross_cases.append((case_tw, case_ind))
            planted_cross = planted_cross | ((tw["township_code"] == case_tw) & (tw["indicator"] == case_ind))
            ctx.add_cases("indicator_contradicts_source", contract.source, "indicator",
                          pl.Series([f"{case_tw}|{case_ind}|{label}"]), f"reported x{factor} of the register")
        # Near-misses: a count taken a few days off the period's end, 2% off the register, in
        # the largest other township of each compared indicator (large enough to be compared).
        near_factor = 0.98 if i % 2 == 0 else 1.02
        planted_near = pl.repeat(False, tw.height, eager=True)
        for near_ind in ("企业法人单位数", "户籍人口", "参保人数"):
            candidates = tw.filter((pl.col("indicator") == near_ind) & ~pl.col("township_code").is_in(taken))
            if candidates.is_empty():
                continue
            near_tw = candidates.sort("value", "township_code", descending=[True, False])["township_code"][0]
            near_value = candidates.filter(pl.col("township_code") == near_tw)["value"][0]
            if round(near_value * near_factor) == near_value:
                continue  # too small for 2% to show: not a near-miss
            taken.append(near_tw)
            planted_near = planted_near | ((tw["township_code"] == near_tw) & (tw["indicator"] == near_ind))
            ctx.add_cases("indicator_contradicts_source", contract.source, "indicator",
                          pl.Series([f"{near_tw}|{near_ind}|{label}"]),
                          f"reported x{near_factor} of the register (within tolerance)", expected="not_flagged")
        # Industrial value added against metered power, in the reports whose months the power
        # company has delivered: two townships' output made up (x1.35 one month, x0.7 the next)
        # while their factories drew what they always draw, and one township's 8% off (a
        # revised estimate, within what product mix and prices move) as the near-miss.
        near_power: list[str] = []
        power_factor = 1.0
        if _power_delivered(ctx, _period_months(end)):
            power_factor = 1.35 if i % 2 == 0 else 0.7
            ind = "规模以上工业增加值"
            sizable = tw.filter((pl.col("indicator") == ind) & (pl.col("value") >= 100)).sort("township_code")
            # a township made up in at most two reports: its other months show its usual intensity
            eligible = [t for t in sizable["township_code"].to_list() if power_planted.get(t, 0) < 2]
            picks = [eligible[k] for k in rng.permutation(len(eligible))[:3]] if len(eligible) >= 3 else []
            for k, tw_code in enumerate(picks):
                flagged = k < 2
                power_planted[tw_code] = power_planted.get(tw_code, 0) + 1
                if flagged:
                    cross_cases.append((tw_code, ind))
                    ctx.add_cases("indicator_contradicts_source", contract.source, "indicator",
                                  pl.Series([f"{tw_code}|{ind}|{label}"]), f"reported x{power_factor} of what power use shows")
                else:
                    near_power.append(tw_code)
                    ctx.add_cases("indicator_contradicts_source", contract.source, "indicator",
                                  pl.Series([f"{tw_code}|{ind}|{label}"]),
                                  "reported x1.08 of what power use shows (within tolerance)", expected="not_flagged")
        near_cells = pl.any_horizontal(pl.lit(False), *[(pl.col("township_code") == t) & (pl.col("indicator") == "规模以上工业增加值")
                                                         for t in near_power])
        power_cells = pl.any_horizontal(pl.lit(False), *[(pl.col("township_code") == t) & (pl.col("indicator") == "规模以上工业增加值")
                                                          for t, ind in cross_cases if ind == "规模以上工业增加值"])
        tw = tw.with_columns(value=pl.when(power_cells).then((pl.col("value") * power_factor).round(1))
                             .when(near_cells).then((pl.col("value") * 1.08).round(1))
                             .when(planted_cross).then((pl.col("value") * factor).round(0))
                             .when(planted_near).then((pl.col("value") * near_factor).round(0))
                             .otherwise(pl.col("value")))
        totals = tw.group_by("indicator", maintain_order=True).agg(pl.col("value").sum(), pl.col("unit").first())
        # Planted: the county totals of two indicators are not the sums of their townships.
        flows = list(TOWNSHIP_INDICATORS)[2:5]
        sum_cases = {flows[i % 3]: 1.08, flows[(i + 1) % 3]: 0.93}
        totals = totals.with_columns(value=pl.col("value").round(1))
        for sum_case, sum_factor in sum_cases.items():
            totals = totals.with_columns(value=pl.when(pl.col("indicator") == sum_case).then(
                (pl.col("value") * sum_factor).round(1)).otherwise(pl.col("value")))
            ctx.add_cases("indicator_sum_mismatch", contract.source, "indicator",
                          pl.Series([f"{county.code}|{sum_case}|{label}"]),
                          f"county total is {sum_factor} x the sum of townships")
        gdp = float(totals.filter(pl.col("indicator") == "规模以上工业增加值")["value"][0]) * 2.6 / 10000
        income = float(round(rng.normal(21000, 800) * fraction, 0))
        extra = pl.DataFrame({"indicator": list(COUNTY_ONLY), "value": [round(gdp, 2), income],
                              "unit": [u for u, _ in COUNTY_ONLY.values()]})
        county_rows = pl.concat([totals.select("indicator", "value", "unit"), extra]).with_columns(
            township_code=pl.lit(county.code), township_name=pl.lit(county.name))
        sheet_t = tw.with_columns(__sheet=pl.lit(0))
        sheet_c = county_rows.with_columns(__sheet=pl.lit(1))
        both = pl.concat([sheet_t, sheet_c], how="diagonal_relaxed").with_columns(
            __case=pl.any_horizontal(
                *[(pl.col("township_code") == t) & (pl.col("indicator") == ind) for t, ind in cross_cases],
                *[(pl.col("township_code") == county.code) & (pl.col("indicator") == ind) for ind in sum_cases]))
        frame = c.keyed(both.select(
            division_code=pl.col("township_code"),
            division_name=pl.col("township_name"),
            indicator=pl.col("indicator"),
            period=pl.lit(label),
            unit=pl.col("unit"),
            value=pl.col("value").cast(pl.String).str.replace(r"\.0$", ""),
            source=pl.lit("统计年报" if label.endswith("年") else "统计月报"),
            __sheet=pl.col("__sheet"),
            __case=pl.col("__case"),
        ))
        mess = Mess(rng, frame)
        mess.record("indicator_inconsistent", "value", mess.frame["__case"].to_numpy())
        codes = mess.frame["division_code"]
        mess.transform("historic_division_code", "division_code", 0.04,
                       lambda v, r: pl.Series(v).str.replace(f"^{county.code}", historic).to_numpy().astype(object),
                       eligible=(codes.str.len_chars() == 9))
        n_t = int((mess.frame["__sheet"] == 0).sum())
        yield Delivery(contract=contract, delivery_date=d, file_name=f"主要统计指标_{stamp(d)}.xlsx",
                            frame=mess.frame.drop("__sheet", "__case"), defects=mess.defects(),
                            sheets=[("乡镇（街道）", n_t), ("全区", mess.frame.height - n_t)],
                            title=f"{county.name}主要统计指标（{label}）", numeric=frozenset({"value"}))


def build(ctx: Context) -> Iterator[Delivery]:
    """Every delivery of the department, one at a time (each is written before the next is built)."""
    yield from indicators(ctx)
