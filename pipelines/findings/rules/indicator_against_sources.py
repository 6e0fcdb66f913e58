"""Rule 8, 统计数与部门数据不符: a township's reported indicator against the value computed from
the administrative sources behind it, beyond a tolerance, with the direction (over- or
under-reported) and the same comparison for every other period (its history).

Implemented comparisons (each needs the source it is computed from):
- 户籍人口 (registered population) against the household register: residents with status 正常 in
  the register snapshot nearest the period's end.
"""

from __future__ import annotations

import json

import polars as pl

from pipelines.findings.rule import Detection, Param, Rule, RuleContext

FACTS = "lib_macro.indicator_fact"
REGISTER = "staging.stg_gongan__household_register"


def detect(rule: Rule, ctx: RuleContext) -> Detection:
    division = ctx.current_division("r.division_code")
    rows = ctx.con.execute(f"""
    with reported as (
        select division_code, indicator, period, period_end, unit, cast(value as double) as reported, source,
               row_id as record_id, source_file, cast(source_line as varchar) as line
        from {FACTS}
        where division_level = 'township' and indicator = $indicator and value is not null and period_end is not null
    ),
    snapshots as (
        select delivery_date, min(source_file) as source_file, min(split_part(row_id, ':', 2)) as sha
        from {REGISTER} group by delivery_date
    ),
    nearest as (
        select r.*, s.delivery_date as snapshot_date, s.source_file as snapshot_file, s.sha
        from reported r join snapshots s on abs(date_diff('day', s.delivery_date, r.period_end)) <= $max_gap
        qualify row_number() over (partition by r.division_code, r.indicator, r.period
                                   order by abs(date_diff('day', s.delivery_date, r.period_end)), s.delivery_date desc) = 1
    ),
    counts as (
        select r.delivery_date, left({division}, 9) as township, count(*) as computed
        from {REGISTER} r where coalesce(trim(r.status), '正常') = '正常'
        group by all
    )
    select n.*, coalesce(c.computed, 0) as computed
    from nearest n left join counts c on c.delivery_date = n.snapshot_date and c.township = n.division_code
    order by n.division_code, n.period_end
    """, {"indicator": rule.p("indicator"), "max_gap": rule.p("max_snapshot_gap_days")}).pl()
    if rows.is_empty():
        return Detection.empty()
    tolerance = rule.p("tolerance")
    rows = rows.with_columns(
        deviation=pl.when(pl.col("computed") > 0).then(pl.col("reported") / pl.col("computed") - 1).otherwise(None)
    ).with_columns(
        direction=pl.when(pl.col("deviation") > 0).then(pl.lit("高报")).otherwise(pl.lit("低报")),
        flagged=(pl.col("deviation").abs() > tolerance) & (pl.col("computed") >= rule.p("min_computed")),
    )
    history = rows.group_by("division_code", maintain_order=True).agg(
        pl.struct("period", pl.col("deviation").round(4), "reported", "computed").alias("history"))
    flagged = rows.filter(pl.col("flagged")).join(history, on="division_code", how="left", maintain_order="left")
    if flagged.is_empty():
        return Detection.empty()
    flagged = flagged.with_columns(finding_key=pl.format("{}|{}|{}", "division_code", "indicator", "period"))
    measured = [
        json.dumps({"indicator": r["indicator"], "period": r["period"], "reported": r["reported"],
                    "computed": r["computed"], "deviation": round(r["deviation"], 4), "direction": r["direction"],
                    "snapshot": str(r["snapshot_date"]), "history": r["history"]}, ensure_ascii=False)
        for r in flagged.iter_rows(named=True)
    ]
    findings = flagged.select(
        "finding_key",
        entity_kind=pl.lit("area"),
        entity_id="division_code",
        summary=pl.format("{}「{}」上报 {} {}，户籍登记 {} {}，{} {}%", "period", "indicator",
                          pl.col("reported").cast(pl.Int64).cast(pl.String), "unit", "computed", "unit", "direction",
                          (pl.col("deviation").abs() * 100).round(1).cast(pl.String)),
        amount=pl.lit(None, pl.Float64),
        measured=pl.Series(measured, dtype=pl.String),
    )
    reported = flagged.select("finding_key", role=pl.lit("reported"), source="source", record_id="record_id",
                              source_file="source_file", line="line",
                              detail=pl.format("{} {} 上报 {} {}", "period", "indicator",
                                               pl.col("reported").cast(pl.String), "unit"))
    register = flagged.select("finding_key", role=pl.lit("administrative_count"),
                              source=pl.lit("gongan__household_register"),
                              record_id=pl.format("gongan__household_register:{}:*", pl.col("sha").str.slice(0, 12)),
                              source_file="snapshot_file", line=pl.lit("*"),
                              detail=pl.format("户籍快照 {}：该乡镇户籍状态正常 {} 人", pl.col("snapshot_date").cast(pl.String),
                                               "computed"))
    return Detection(findings, pl.concat([reported, register]))


RULE = Rule(
    code="indicator_against_sources",
    title="统计数与部门登记数不符",
    dimension="准确性",
    severity="medium",
    entity_kind="area",
    description="乡镇（街道）上报的户籍人口与户籍库同期在册人数相差超过容差，附高报或低报方向及各期对比。",
    requires=(FACTS, REGISTER),
    detect=detect,
    params={
        "indicator": Param("户籍人口", "统计报表中可由户籍库直接核算的指标"),
        "tolerance": Param(0.05, "统计期末与户籍快照日期不同，人口在两者之间的自然变动不超过 5%"),
        "max_snapshot_gap_days": Param(100, "户籍库按季度全量交付：取离统计期末最近、相隔不超过一个季度的快照"),
        "min_computed": Param(50, "在册不足 50 人的乡镇，几个人的出入就超过 5%，不作比较"),
    },
)
