"""Rule 9, 金额分布异常（本福特与整数筛查）: a low-severity lead, never proof. Reported amounts of
a department's table in one year are screened where there are enough of them and they span
orders of magnitude (Benford's law says nothing about small sets or assigned amounts such as
fixed allowances and prices, nor about amounts bunched within one order of magnitude):
- first digits against Benford's law, flagged only when two tests agree: the deviation is large
  (Nigrini's mean absolute deviation above the nonconformity band 0.015: with thousands of values
  any real-world set "fails" a significance test by a little, so the size of the deviation is
  what matters) and it is not chance (a chi-square test on the nine digit counts at a family-wise
  false-alarm rate of 5% over all the groups screened in the run, Bonferroni-corrected, so
  conforming groups are flagged at most 5% of the time however many departments and years there are);
- round numbers: a share of amounts that are whole hundreds far above what natural amounts show,
  again only when a binomial test on that share passes the same corrected level.
Evidence is a sample of the rows carrying the most over-represented first digit (or the round
amounts), each with its file and line.
"""

from __future__ import annotations

import math

import polars as pl

from pipelines.findings.rule import Detection, Param, Rule, RuleContext
from pipelines.findings.sources import month_expr

# (staging model, source, amount column, year expression, what the amounts are)
AMOUNTS = (
    ("staging.stg_shuiwu__monthly_tax", "shuiwu__monthly_tax", "amount", "year(period_start)", "税收入库金额"),
    ("staging.stg_shichang__annual_report", "shichang__annual_report", "revenue", "report_year", "年报营业总收入"),
    ("staging.stg_shichang__annual_report", "shichang__annual_report", "tax_paid", "report_year", "年报纳税总额"),
    ("staging.stg_renshe__payments", "renshe__payments", "amount", f"year({month_expr('period')})", "社保缴费及待遇金额"),
    ("staging.stg_minzheng__subsistence_allowance", "minzheng__subsistence_allowance", "amount",
     f"year({month_expr('month')})", "低保发放金额"),
    ("staging.stg_gongdian__consumption", "gongdian__consumption", "fee", f"year({month_expr('month')})", "电费"),
    ("staging.stg_gongshui__consumption", "gongshui__consumption", "fee", f"year({month_expr('month')})", "水费"),
    ("staging.stg_fagai__investment_project", "fagai__investment_project", "total_investment", "year(start_date)",
     "项目总投资"),
)
BENFORD = {d: math.log10(1 + 1 / d) for d in range(1, 10)}
# Each group's count of amounts per first digit 1-9, counted in the warehouse (a value whose
# computed first digit falls outside 1-9, a rounding edge, counts for none).
DIGIT_COUNTS = ", ".join(f"count(*) filter (where digit = {d}) as d{d}" for d in range(1, 10))
NATURAL_ROUND_SHARE = 0.01  # whole hundreds among amounts of 100 and more, when the last two digits are free


def chi_square_sf_8(x: float) -> float:
    """P(X >= x) for a chi-square variable with 8 degrees of freedom (nine first digits, one
    constraint): for an even number 2k of degrees of freedom the tail is exactly
    exp(-x/2) * sum_{i<k} (x/2)^i / i!, so no statistics library is needed."""
    if x <= 0:
        return 1.0
    half = x / 2
    term, total = 1.0, 1.0
    for i in range(1, 4):
        term *= half / i
        total += term
    return min(1.0, math.exp(-half) * total)


def binomial_sf(k: int, n: int, p: float) -> float:
    """P(X >= k) for X ~ Binomial(n, p), by the normal approximation with continuity correction
    (n is at least `min_values`, so n*p is large enough) -- an upper tail, never below 0."""
    if k <= 0:
        return 1.0
    sd = math.sqrt(n * p * (1 - p))
    if sd == 0:
        return 0.0 if k > n * p else 1.0
    z = (k - 0.5 - n * p) / sd
    return 0.5 * math.erfc(z / math.sqrt(2))


def digit_tests(counts: dict[int, int]) -> tuple[float, float]:
    """(MAD, chi-square p-value) of first-digit counts against Benford's law."""
    n = sum(counts.values())
    mad = sum(abs(counts[d] / n - BENFORD[d]) for d in BENFORD) / 9
    chi2 = sum((counts[d] - n * BENFORD[d]) ** 2 / (n * BENFORD[d]) for d in BENFORD)
    return mad, chi_square_sf_8(chi2)


def _available(ctx: RuleContext) -> list[tuple[str, str, str, str, str]]:
    out = []
    for table, source, column, year, what in AMOUNTS:
        if ctx.has(table):
            continue
        columns = {r[0] for r in ctx.con.execute(f"describe {table}").fetchall()}
        if column in columns:
            out.append((table, source, column, year, what))
    return out


def detect(rule: Rule, ctx: RuleContext) -> Detection:
    sources = _available(ctx)
    if not sources:
        return Detection.empty("no amounts to screen")
    union = " union all ".join(
        f"""select '{source}' as source, '{column}' as column_name, '{what}' as what, cast({year} as integer) as year,
                   cast({column} as double) as value, row_id as record_id, source_file,
                   cast(source_line as varchar) as line
            from {table} where cast({column} as double) > 0"""
        for table, source, column, year, what in sources
    )
    ctx.con.execute(f"create or replace temp view _benford_values as {union}")
    stats = ctx.con.execute(f"""
        select source, column_name, any_value(what) as what, year, count(*) as n,
               quantile_cont(value, 0.01) as p01, quantile_cont(value, 0.99) as p99,
               quantile_cont(value, 0.16) as p16, quantile_cont(value, 0.84) as p84,
               count(*) filter (where value >= 100 and value = round(value / 100) * 100) as round_hundreds,
               count(*) filter (where value >= 100) as n_hundreds,
               {DIGIT_COUNTS}
        from (select *, cast(floor(value / pow(10, floor(log10(value)))) as integer) as digit from _benford_values)
        where year is not null and year <= year($as_of)
        group by source, column_name, year
        having count(*) >= $min_values
    """, {"as_of": ctx.as_of, "min_values": rule.p("min_values")}).pl()
    eligible = []
    for row in stats.iter_rows(named=True):
        if not row["p01"] or row["p99"] / row["p01"] < rule.p("min_spread"):
            continue
        if not row["p16"] or row["p84"] / row["p16"] < rule.p("min_middle_spread"):
            continue
        eligible.append(row)
    screened = len(eligible)
    # every group is tested by both screens: the family-wise false-alarm rate is split over all of them
    level = rule.p("family_alpha") / max(1, 2 * screened)
    results = []
    for row in eligible:
        counts = {d: row[f"d{d}"] for d in range(1, 10)}
        n = sum(counts.values())
        observed = {d: c / n for d, c in counts.items()}
        mad, p_digits = digit_tests(counts)
        round_share = row["round_hundreds"] / row["n_hundreds"] if row["n_hundreds"] else 0.0
        p_round = binomial_sf(row["round_hundreds"], row["n_hundreds"], NATURAL_ROUND_SHARE) if row["n_hundreds"] else 1.0
        worst = max(counts, key=lambda d: observed[d] - BENFORD[d])
        screens = []
        if mad > rule.p("mad_nonconformity") and p_digits < level:
            screens.append("benford")
        if row["n_hundreds"] >= rule.p("min_values") and round_share > rule.p("round_share") and p_round < level:
            screens.append("round")
        for screen in screens:
            results.append({**{k: row[k] for k in ("source", "column_name", "what", "year", "n")},
                            "screen": screen, "mad": round(mad, 5), "round_share": round(round_share, 4),
                            "p_value": float(f"{(p_digits if screen == 'benford' else p_round):.3g}"),
                            "level": float(f"{level:.3g}"),
                            "digit": worst, "observed": round(observed[worst], 4), "expected": round(BENFORD[worst], 4)})
    note = f"{screened} department-years screened"
    if not results:
        return Detection.empty(note)
    found = pl.DataFrame(results).with_columns(
        finding_key=pl.format("{}|{}|{}|{}", "source", "column_name", "year", "screen"))
    ctx.con.register("_benford_found", found)
    sample = ctx.con.execute("""
        select f.finding_key, v.record_id, v.source_file, v.line, v.value, f.screen
        from _benford_found f join _benford_values v
          on v.source = f.source and v.column_name = f.column_name and v.year = f.year
        where (f.screen = 'benford' and cast(floor(v.value / pow(10, floor(log10(v.value)))) as integer) = f.digit)
           or (f.screen = 'round' and v.value >= 100 and v.value = round(v.value / 100) * 100)
        qualify row_number() over (partition by f.finding_key order by v.record_id) <= $sample
    """, {"sample": rule.p("evidence_sample")}).pl()
    ctx.con.unregister("_benford_found")
    summary = pl.when(pl.col("screen") == "benford").then(
        pl.format("{} {} 年 {} 笔金额首位数字偏离本福特分布（MAD {}，超过 {}），首位 {} 占 {}（应为 {}）",
                  "what", "year", "n", "mad", pl.lit(rule.p("mad_nonconformity")), "digit", "observed", "expected")
    ).otherwise(pl.format("{} {} 年 {} 笔金额中整百数占 {}，异常偏多", "what", "year", "n", "round_share"))
    findings = found.select(
        "finding_key", entity_kind=pl.lit("department"), entity_id=pl.format("{}.{}", "source", "column_name"),
        summary=summary, amount=pl.lit(None, pl.Float64),
        measured=pl.struct("what", "year", "n", "screen", "mad", "round_share", "p_value", "level", "digit",
                           "observed", "expected"
                           ).struct.json_encode(),
    )
    source_of = dict(zip(found["finding_key"].to_list(), found["source"].to_list(), strict=True))
    evidence = sample.select(
        "finding_key", role=pl.format("{}_sample", "screen"),
        source=pl.col("finding_key").replace_strict(source_of, return_dtype=pl.String),
        record_id="record_id", source_file="source_file", line="line",
        detail=pl.format("金额 {}", pl.col("value").round(2).cast(pl.String)),
    )
    return Detection(findings, evidence, note)


RULE = Rule(
    code="benford_screen",
    title="金额分布异常（本福特与整数筛查）",
    dimension="准确性",
    severity="low",
    entity_kind="department",
    description="部门按年上报的金额数量足够且跨越数量级时，首位数字偏离本福特分布（MAD 超过不符合分档且经多重比较校正的卡方检验显著）"
                "或整百数异常偏多（筛查线索，不是证据）。",
    requires=(),
    detect=detect,
    params={
        "min_values": Param(1000, "Nigrini 的 MAD 分档按上千个数设定；几百个数时仅随机波动就常超过 0.015，少于 1000 个不判断"),
        "min_spread": Param(100.0, "金额至少跨两个数量级（第 99 与第 1 百分位之比 ≥ 100）；低保标准、固定价格这类核定金额不适用"),
        "min_middle_spread": Param(10.0, "中间三分之二的金额（第 84 与第 16 百分位之比）至少跨一个数量级（对数标准差 ≥ 0.5）："
                                         "集中在一个数量级内的金额（如同类商户的月度电费）天然不服从本福特分布"),
        "mad_nonconformity": Param(0.015, "Nigrini 首位数字 MAD 分档：0.006/0.012/0.015，超过 0.015 为不符合"),
        "family_alpha": Param(0.05, "偏离还须不是偶然：卡方检验（8 个自由度）与整百数二项检验的显著性水平按本次筛查的"
                                    "组数和两项筛查做 Bonferroni 校正，全部组合计误报概率不超过 5%"),
        "round_share": Param(0.1, "自然形成的金额整百数约占 1%（带角分的更少），超过 10% 说明是估填或凑数"),
        "evidence_sample": Param(20, "证据只列样本行：筛查针对整批数据，列出全部行没有意义"),
    },
)
