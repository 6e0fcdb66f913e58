"""Development and reform (县发改局): the fixed-asset investment project library."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta

import numpy as np
import polars as pl

from pipelines.contracts import get_contract
from pipelines.generator import _mess as m
from pipelines.generator._context import Context
from pipelines.generator._mess import Mess
from pipelines.generator._model import Delivery, delivery_dates, stamp
from pipelines.generator._sources import _common as c
from pipelines.generator._sources.shichang import damage_credit_code

KINDS = np.array(["年产{t}吨{i}项目", "{i}仓储物流园项目", "{i}技术改造项目", "{i}厂房建设项目", "{i}产业园项目"])
INDUSTRIES = np.array(["制造业", "交通运输、仓储和邮政业", "电力、热力、燃气及水生产和供应业", "农、林、牧、渔业",
                       "房地产业", "水利、环境和公共设施管理业"])


def projects(ctx: Context) -> pl.DataFrame:
    """The county's investment projects with their schedule (truth shared with statistics)."""
    rng = ctx.rng("fagai.projects")
    firms = ctx.orgs.filter((pl.col("category") == "enterprise") & pl.col("deregistered_date").is_null())
    n = max(12, int(900 * ctx.factor))
    owner = rng.choice(firms.height, n, replace=firms.height < n)
    # 万元: from a few tens of 万元 (a village road) to several 亿元 (a plant), spanning four orders
    # of magnitude the way investment amounts do (and so, naturally, close to Benford's law)
    total = np.round(rng.lognormal(7.3, 1.7, n), 1)
    start_offset = rng.integers(-700, 300, n)
    start = pl.lit(ctx.as_of - timedelta(days=365)) + pl.duration(days=pl.Series(start_offset))
    templates = pl.Series(KINDS[rng.integers(0, len(KINDS), n)])
    owners = firms.select(pl.all().gather(pl.Series(owner)))
    county = ctx.settings.county
    places = [county.city, county.name, county.province.removesuffix("省"),
              *[h.name for h in county.historic_codes]]
    trade = owners["name"].str.replace_many(places, [""] * len(places)).str.slice(0, 2)
    tonnes = pl.Series((np.round(total / 10) * 100).astype(int).astype(str))
    project_name = trade + templates.str.replace("{t}", tonnes, literal=True).str.replace(
        "{i}", owners["industry"], literal=True)
    frame = pl.DataFrame({
        "project_id": [f"J{i + 1:05d}" for i in range(n)],
        "org_id": owners["org_id"],
        "owner": owners["name"],
        "uscc": owners["uscc"],
        "township_code": owners["township_code"],
        "project_name": project_name,
        "total": total,
        "duration_days": rng.integers(300, 1100, n),
        "industry": INDUSTRIES[rng.integers(0, len(INDUSTRIES), n)],
        "code_year": rng.integers(2022, ctx.as_of.year + 1, n),
        "serial": rng.integers(100000, 999999, n),
    }).with_columns(start=start, __est=owners["established"])
    # a project does not start before its owner was established
    frame = frame.with_columns(start=pl.max_horizontal("start", "__est")).drop("__est")
    # Project codes are unique: a serial drawn twice in a year is drawn again for the later project.
    again = ~frame.select(pl.struct("code_year", "serial").is_first_distinct()).to_series().to_numpy()
    while again.any():
        serial = frame["serial"].to_numpy().copy()
        serial[again] = rng.integers(100000, 999999, int(again.sum()))
        frame = frame.with_columns(serial=pl.Series(serial))
        again = ~frame.select(pl.struct("code_year", "serial").is_first_distinct()).to_series().to_numpy()
    return frame.with_columns(
        project_code=pl.concat_str(pl.col("code_year").cast(pl.String), pl.lit(f"-{ctx.settings.county.code}-"),
                                   pl.lit("04-01-"), pl.col("serial").cast(pl.String)),
    )


def completed_in_year(projects_frame: pl.DataFrame, year: int, upto: date) -> pl.Series:
    """Investment (万元) completed from 1 January of `year` to `upto`, spread evenly over the build."""
    start = projects_frame["start"]
    end = pl.select(start + pl.duration(days=projects_frame["duration_days"])).to_series()
    lo = pl.select(pl.max_horizontal(start, pl.lit(date(year, 1, 1)))).to_series()
    hi = pl.select(pl.min_horizontal(end, pl.lit(upto))).to_series()
    days = pl.select(((hi - lo).dt.total_days()).clip(0)).to_series()
    per_day = projects_frame["total"] / projects_frame["duration_days"]
    return (days * per_day).round(1)


def investment_projects(ctx: Context) -> Iterator[Delivery]:
    """The project library each quarter (XLSX with title row): progress as of the date."""
    contract = get_contract("fagai__investment_project")
    all_projects = projects(ctx)
    townships = ctx.geo.townships.select("township_code", "township_name")
    dates = delivery_dates(contract.update_cycle, ctx.as_of, day=10)
    for i, d in enumerate(dates):
        rng = ctx.rng(f"fagai.project.{i}")
        live = all_projects.filter(pl.col("start") <= pl.lit(d + timedelta(days=120)))
        done = completed_in_year(live, d.year, d)
        status = pl.when(pl.col("start") > pl.lit(d)).then(pl.lit("前期")).when(
            pl.col("start") + pl.duration(days=pl.col("duration_days")) < pl.lit(d)).then(pl.lit("竣工")).otherwise(
            pl.lit("在建"))
        frame = c.keyed(live.with_columns(__done=done).join(townships, on="township_code", how="left",
                                                            maintain_order="left").select(
            project_code=pl.col("project_code"),
            project_name=pl.col("project_name"),
            owner=pl.col("owner"),
            owner_uscc=pl.col("uscc"),
            location=pl.concat_str(pl.lit(ctx.settings.county.name), pl.col("township_name")),
            township=pl.col("township_name"),
            total_investment=pl.col("total").cast(pl.String),
            completed=pl.col("__done").cast(pl.String),
            start_date=c.date_str("start", "dot"),
            status=status,
            industry=pl.col("industry"),
            __p_owner=pl.col("org_id"),
        ))
        mess = Mess(rng, frame)
        damage_credit_code(mess, "owner_uscc", 0.5)
        mess.transform("amount_format", "total_investment", 0.04, m.amount_format)
        mess.transform("date_excel_serial", "start_date", 0.03, m.excel_serial("dot"))
        yield Delivery(contract=contract, delivery_date=d, file_name=f"固定资产投资项目_{stamp(d)}.xlsx",
                            frame=mess.frame, defects=mess.defects(), current=i == len(dates) - 1,
                            title=f"{ctx.settings.county.name}固定资产投资项目库（{d:%Y年%m月}）",
                            numeric=frozenset({"total_investment", "completed", "start_date"}))


def build(ctx: Context) -> Iterator[Delivery]:
    """Every delivery of the department, one at a time (each is written before the next is built)."""
    yield from investment_projects(ctx)
