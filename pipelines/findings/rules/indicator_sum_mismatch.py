"""Rule 7, 乡镇合计与全区不符: an additive township indicator (people, yuan, counts; not per-capita
figures) whose township values do not add up to the county's value for the same period, by more
than rounding can explain.

Each reported value is rounded to its last digit, so the county total and the sum of n township
values can differ by at most (n + 1) half-steps of that digit; a larger gap is not rounding.
"""

from __future__ import annotations

import polars as pl

from pipelines.findings.rule import Detection, Param, Rule, RuleContext

FACTS = "lib_macro.indicator_fact"


def _decimals(value: pl.Expr) -> pl.Expr:
    """The fewest decimals (0-4) that show a value exactly: the digit it was rounded to."""
    scaled = [((value * 10**d) - (value * 10**d).round(0)).abs() < 1e-6 for d in range(5)]
    expr = pl.lit(4)
    for d in reversed(range(4)):
        expr = pl.when(scaled[d]).then(pl.lit(d)).otherwise(expr)
    return expr


def detect(rule: Rule, ctx: RuleContext) -> Detection:
    facts = ctx.frame(f"""
        select division_code, division_level, indicator, period, unit, cast(value as double) as value,
               source, row_id as record_id, source_file, cast(source_line as varchar) as line
        from {FACTS}
        where is_additive and value is not null and division_level in ('county', 'township')
    """)
    if facts.is_empty():
        return Detection.empty()
    facts = facts.with_columns(
        county_code=pl.col("division_code").str.slice(0, 6), decimals=_decimals(pl.col("value"))
    )
    county = facts.filter(pl.col("division_level") == "county")
    parts = facts.filter(pl.col("division_level") == "township")
    sums = parts.group_by("county_code", "indicator", "period").agg(
        pl.col("value").sum().alias("township_sum"), pl.len().alias("parts"), pl.col("decimals").max().alias("pd"))
    joined = county.join(sums, on=["county_code", "indicator", "period"], how="inner").filter(
        pl.col("parts") >= rule.p("min_parts"))
    step = pl.lit(10.0).pow(-pl.max_horizontal("decimals", "pd"))
    joined = joined.with_columns(
        difference=(pl.col("value") - pl.col("township_sum")).round(6),
        tolerance=((pl.col("parts") + 1) * step * rule.p("half_step_per_value")).round(6),
    ).filter(pl.col("difference").abs() > pl.col("tolerance") + 1e-9)
    if joined.is_empty():
        return Detection.empty()
    joined = joined.with_columns(finding_key=pl.format("{}|{}|{}", "division_code", "indicator", "period"))
    findings = joined.select(
        "finding_key",
        entity_kind=pl.lit("area"),
        entity_id="division_code",
        summary=pl.format("{}「{}」全区数 {} {}，乡镇（街道）合计 {}，相差 {}（舍入最多 {}）", "period", "indicator",
                          pl.col("value").cast(pl.String), "unit", pl.col("township_sum").round(4).cast(pl.String),
                          pl.col("difference").cast(pl.String), pl.col("tolerance").cast(pl.String)),
        amount=pl.lit(None, pl.Float64),
        measured=pl.struct("indicator", "period", "unit", pl.col("value").alias("county_value"), "township_sum",
                           "difference", "tolerance", "parts").struct.json_encode(),
    )
    total = joined.select(
        "finding_key", role=pl.lit("county_total"), source="source", record_id="record_id",
        source_file="source_file", line="line",
        detail=pl.format("{} {} 全区 {} {}", "period", "indicator", pl.col("value").cast(pl.String), "unit"),
    )
    members = joined.select("finding_key", "county_code", "indicator", "period").join(
        parts, on=["county_code", "indicator", "period"]).sort("finding_key", "division_code")
    township = members.select(
        "finding_key", role=pl.lit("township_part"), source="source", record_id="record_id",
        source_file="source_file", line="line",
        detail=pl.format("{} {} {} {} {}", "period", "indicator", "division_code", pl.col("value").cast(pl.String), "unit"),
    )
    return Detection(findings, pl.concat([total, township]))


RULE = Rule(
    code="indicator_sum_mismatch",
    title="乡镇合计与全区数不符",
    dimension="一致性",
    severity="medium",
    entity_kind="area",
    description="可加总的乡镇（街道）指标之和与同期全区数之差超出舍入误差。",
    requires=(FACTS,),
    detect=detect,
    params={
        "half_step_per_value": Param(
            0.5,
            "每个数按其末位四舍五入，n 个乡镇加全区数最多差 (n+1) 个半位；超出这个数不可能是舍入造成的",
        ),
        "min_parts": Param(2, "少于两个乡镇上报时谈不上合计"),
    },
)
