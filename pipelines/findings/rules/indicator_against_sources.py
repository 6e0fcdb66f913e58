"""Rule 8, 统计数与部门数据不符: a township's reported indicator against the value computed from
the administrative sources behind it, beyond a tolerance, with the direction (over- or
under-reported) and the same comparison for every other period (its history).

Implemented comparisons (each needs the source it is computed from; a missing source skips it):
- 户籍人口 (registered population) against the household register: residents with status 正常 in
  the register snapshot nearest the period's end.
- 企业法人单位数 (number of enterprises) against the legal-entity library: enterprises (the market
  regulator's register) with their seat in the township, established by the period's end and not
  deregistered or revoked by then.
- 参保人数 (insured persons, counted where they are registered: 按户籍地) against the
  social-insurance bureau's insured-person list: the persons in the list snapshot nearest the
  period's end whose insurance is not ended (终止) and who are registered residents, in the
  township the population library places them, less those the library knows died by the snapshot
  (the bureau learns of deaths late; its own list lags). Older snapshots' rows reach their person
  through the personal number (个人编号), resolved on the current list.
- 规模以上工业增加值 (industrial value added) against industrial power use: the kWh of the
  industrial meters (大工业用电) of the enterprises seated in the township over the report's
  months (January to the period's end, only where the power company delivered every one of
  them). A township's output per kWh is set by what its factories make, so it is compared with
  the township's own: the median over its reports; a report off that by more than the power
  tolerance is a finding, its expected output (kWh times the median intensity) the computed value.
"""

from __future__ import annotations

import json

import polars as pl

from pipelines.findings.rule import Detection, Param, Rule, RuleContext
from pipelines.findings.sources import address_key, business_meter_links, ended, month_expr

FACTS = "lib_macro.indicator_fact"
REGISTER = "staging.stg_gongan__household_register"
ORGANIZATIONS = "lib_legal_entity.organization"
ENTERPRISES = "staging.stg_shichang__enterprise"
INSURED = "staging.stg_renshe__insured_person"
POWER_ACCOUNTS = "staging.stg_gongdian__account"
POWER_USE = "staging.stg_gongdian__consumption"
PERSONS = "lib_population.person"

COMPARED = ("indicator", "division_code", "period", "period_end", "unit", "reported", "source", "record_id",
            "source_file", "line", "computed", "admin_source", "admin_file", "admin_sha", "admin_detail",
            "tolerance", "minimum")


def _reported(indicator_param: str) -> str:
    return f"""
    reported as (
        select division_code, indicator, period, period_end, unit, cast(value as double) as reported, source,
               row_id as record_id, source_file, cast(source_line as varchar) as line
        from {FACTS}
        where division_level = 'township' and indicator = {indicator_param} and value is not null
          and period_end is not null
    )"""


def _population(rule: Rule, ctx: RuleContext) -> pl.DataFrame:
    """Reported registered population against the register snapshot nearest the period's end."""
    division = ctx.current_division("r.division_code")
    return ctx.con.execute(f"""
    with {_reported('$indicator')},
    {_nearest_snapshot(REGISTER)},
    counts as (
        select r.delivery_date, left({division}, 9) as township, count(*) as computed
        from {REGISTER} r where coalesce(trim(r.status), '正常') = '正常'
        group by all
    )
    select n.*, coalesce(c.computed, 0) as computed, 'gongan__household_register' as admin_source,
           '户籍快照 ' || cast(n.snapshot_date as varchar) || '：该乡镇户籍状态正常 '
               || cast(coalesce(c.computed, 0) as varchar) || ' 人' as admin_detail
    from nearest n left join counts c on c.delivery_date = n.snapshot_date and c.township = n.division_code
    """, {"indicator": rule.p("population_indicator"), "max_gap": rule.p("max_snapshot_gap_days")}).pl()


def _nearest_snapshot(table: str) -> str:
    """CTEs `snapshots` (each delivery of a full-list source: date, file, content hash) and
    `nearest` (each reported row with the snapshot nearest its period's end, within $max_gap days)."""
    return f"""
    snapshots as (
        select delivery_date, min(source_file) as source_file, min(split_part(row_id, ':', 2)) as sha
        from {table} group by delivery_date
    ),
    nearest as (
        select r.*, s.delivery_date as snapshot_date, s.source_file as admin_file, s.sha as admin_sha
        from reported r join snapshots s on abs(date_diff('day', s.delivery_date, r.period_end)) <= $max_gap
        qualify row_number() over (partition by r.division_code, r.indicator, r.period
                                   order by abs(date_diff('day', s.delivery_date, r.period_end)), s.delivery_date desc) = 1
    )"""


def _insured(rule: Rule, ctx: RuleContext) -> pl.DataFrame:
    """Reported insured persons against the insured-person list snapshot nearest the period's end."""
    return ctx.con.execute(f"""
    with {_reported('$indicator')},
    {_nearest_snapshot(INSURED)},
    -- the person behind each personal number (the bureau's own key), resolved on the current list
    holders as (
        select i.personal_no, min(x.person_id) as person_id
        from {INSURED} i
        join er.person_xref x on x.source = 'renshe__insured_person' and x.record_id = i.row_id || '#self'
        where i.is_current group by i.personal_no
    ),
    counts as (
        select i.delivery_date, p.township_code as township, count(distinct h.person_id) as computed
        from {INSURED} i
        join holders h using (personal_no)
        join {PERSONS} p on p.person_id = h.person_id
        where coalesce(trim(i.status), '') <> $ended_status and p.is_registered_resident
          and (p.death_date is null or p.death_date > i.delivery_date)
        group by all
    )
    select n.*, coalesce(c.computed, 0) as computed, 'renshe__insured_person' as admin_source,
           '参保人员快照 ' || cast(n.snapshot_date as varchar) || '：该乡镇参保未终止且在世 '
               || cast(coalesce(c.computed, 0) as varchar) || ' 人' as admin_detail
    from nearest n left join counts c on c.delivery_date = n.snapshot_date and c.township = n.division_code
    """, {"indicator": rule.p("insured_indicator"), "max_gap": rule.p("max_snapshot_gap_days"),
          "ended_status": rule.p("insurance_ended_status")}).pl()


def _enterprises(rule: Rule, ctx: RuleContext) -> pl.DataFrame:
    """Reported number of enterprises against the legal-entity library's enterprises in the
    township that existed at the period's end."""
    return ctx.con.execute(f"""
    with {_reported('$indicator')},
    enterprises as (
        select township_code, established,
               case when {ended('registration_status')} then coalesce(deregistered_date, date '1900-01-01')
                    else deregistered_date end as ended_on
        from {ORGANIZATIONS}
        where org_kind = '企业' and township_code is not null
    ),
    register as (
        select max(delivery_date) as delivery_date, arg_max(source_file, delivery_date) as admin_file,
               arg_max(split_part(row_id, ':', 2), delivery_date) as admin_sha
        from {ENTERPRISES}
    )
    select r.*,
           (select count(*) from enterprises e
            where e.township_code = r.division_code and (e.established is null or e.established <= r.period_end)
              and (e.ended_on is null or e.ended_on > r.period_end)) as computed,
           'shichang__enterprise' as admin_source, g.admin_file, g.admin_sha,
           '法人库：该乡镇 ' || cast(r.period_end as varchar) || ' 时存续的企业' as admin_detail
    from reported r cross join register g
    """, {"indicator": rule.p("enterprise_indicator")}).pl().with_columns(
        admin_detail=pl.format("{} {} 家", "admin_detail", "computed"))


def _industrial_power(rule: Rule, ctx: RuleContext) -> pl.DataFrame:
    """Reported industrial value added against what the township's industrial power use and its
    usual output per kWh give."""
    prefixes = ctx.address_prefixes
    rows = ctx.con.execute(f"""
    with {_reported('$indicator')},
    orgs as (
        select x.org_id, e.name, {address_key('e.address', prefixes)} as address_key, o.township_code
        from {ENTERPRISES} e
        join er.org_xref x on x.source = 'shichang__enterprise' and x.record_id = e.row_id || '#self'
        join {ORGANIZATIONS} o on o.org_id = x.org_id
        where e.is_current and o.township_code is not null
    ),
    meters as (
        -- one township per meter (a meter matched to two businesses counts once)
        select a.account_no, min(o.township_code) as township_code
        from {business_meter_links(POWER_ACCOUNTS, 'a.is_current and a.category like $category', 'orgs', prefixes)} l
        join {POWER_ACCOUNTS} a on a.row_id = l.account_row_id
        join orgs o on o.org_id = l.org_id
        group by a.account_no
    ),
    readings as (
        select account_no, {month_expr('month')} as month, cast(kwh as double) as kwh, source_file,
               split_part(row_id, ':', 2) as sha
        from {POWER_USE}
        qualify row_number() over (partition by account_no, month order by delivery_date desc, row_id desc) = 1
    ),
    delivered as (
        select month, min(source_file) as source_file, min(sha) as sha from readings group by month
    ),
    monthly as (
        select m.township_code, r.month, sum(r.kwh) as kwh from meters m join readings r using (account_no) group by all
    ),
    periods as (
        select r.*, date_trunc('year', r.period_end) as first_month, date_trunc('month', r.period_end) as last_month
        from reported r
    )
    select p.*,
           (select count(*) from delivered d where d.month between p.first_month and p.last_month) as months_delivered,
           date_diff('month', p.first_month, p.last_month) + 1 as months_needed,
           (select coalesce(sum(u.kwh), 0) from monthly u
            where u.township_code = p.division_code and u.month between p.first_month and p.last_month) as kwh,
           l.source_file as admin_file, l.sha as admin_sha
    from periods p left join delivered l on l.month = p.last_month
    """, {"indicator": rule.p("industrial_output_indicator"), "category": rule.p("industrial_power_category")}).pl()
    rows = rows.filter((pl.col("months_delivered") == pl.col("months_needed")) & (pl.col("kwh") >= rule.p("min_kwh")))
    rows = rows.with_columns(intensity=pl.col("reported") / pl.col("kwh")).with_columns(
        usual=pl.col("intensity").median().over("division_code"),
        reports=pl.len().over("division_code"))
    rows = rows.filter(pl.col("reports") >= rule.p("min_reports"))
    return rows.with_columns(
        computed=(pl.col("kwh") * pl.col("usual")).round(1),
        admin_source=pl.lit("gongdian__consumption"),
        admin_detail=pl.format("工业用电 {} 千瓦时（{} 至 {}），按该乡镇各期中位数 {} 万元/万千瓦时折算",
                               pl.col("kwh").cast(pl.Int64), pl.col("first_month").dt.strftime("%Y%m"),
                               pl.col("last_month").dt.strftime("%Y%m"), (pl.col("usual") * 10_000).round(3)),
        tolerance=pl.lit(rule.p("power_tolerance")), minimum=pl.lit(0.0))


def _number(column: str) -> pl.Expr:
    """A count as a whole number, an amount (万元) with its decimal."""
    value = pl.col(column)
    return pl.when(value == value.round(0)).then(value.cast(pl.Int64).cast(pl.String)).otherwise(
        value.round(1).cast(pl.String))


def detect(rule: Rule, ctx: RuleContext) -> Detection:
    frames = []
    counts = {"tolerance": rule.p("tolerance"), "minimum": float(rule.p("min_computed"))}
    if not ctx.has(REGISTER):
        frames.append(_population(rule, ctx).with_columns(**{k: pl.lit(v) for k, v in counts.items()}))
    if not ctx.has(ORGANIZATIONS, ENTERPRISES):
        frames.append(_enterprises(rule, ctx).with_columns(**{k: pl.lit(v) for k, v in counts.items()}))
    if not ctx.has(INSURED, PERSONS, "er.person_xref"):
        frames.append(_insured(rule, ctx).with_columns(**{k: pl.lit(v) for k, v in counts.items()}))
    if not ctx.has(ORGANIZATIONS, ENTERPRISES, POWER_ACCOUNTS, POWER_USE, "er.org_xref"):
        frames.append(_industrial_power(rule, ctx))
    frames = [f.select([pl.col(c) for c in COMPARED]) for f in frames if f.height]
    if not frames:
        return Detection.empty()
    rows = pl.concat(frames, how="vertical_relaxed").sort("indicator", "division_code", "period_end")
    rows = rows.with_columns(
        deviation=pl.when(pl.col("computed") > 0).then(pl.col("reported") / pl.col("computed") - 1).otherwise(None)
    ).with_columns(
        direction=pl.when(pl.col("deviation") > 0).then(pl.lit("高报")).otherwise(pl.lit("低报")),
        flagged=(pl.col("deviation").abs() > pl.col("tolerance")) & (pl.col("computed") >= pl.col("minimum")),
    )
    history = rows.group_by("division_code", "indicator", maintain_order=True).agg(
        pl.struct("period", pl.col("deviation").round(4), "reported", "computed").alias("history"))
    flagged = rows.filter(pl.col("flagged")).join(history, on=["division_code", "indicator"], how="left",
                                                  maintain_order="left")
    if flagged.is_empty():
        return Detection.empty()
    flagged = flagged.with_columns(finding_key=pl.format("{}|{}|{}", "division_code", "indicator", "period"))
    measured = [
        json.dumps({"indicator": r["indicator"], "period": r["period"], "reported": r["reported"],
                    "computed": r["computed"], "deviation": round(r["deviation"], 4), "direction": r["direction"],
                    "administrative_source": r["admin_source"], "history": r["history"]}, ensure_ascii=False)
        for r in flagged.iter_rows(named=True)
    ]
    findings = flagged.select(
        "finding_key",
        entity_kind=pl.lit("area"),
        entity_id="division_code",
        summary=pl.format("{}「{}」上报 {} {}，{} {} {}，{} {}%", "period", "indicator",
                          _number("reported"), "unit",
                          pl.when(pl.col("admin_source") == "gongdian__consumption").then(pl.lit("按用电折算"))
                          .otherwise(pl.lit("部门登记")),
                          _number("computed"), "unit", "direction",
                          (pl.col("deviation").abs() * 100).round(1).cast(pl.String)),
        amount=pl.lit(None, pl.Float64),
        measured=pl.Series(measured, dtype=pl.String),
    )
    reported = flagged.select("finding_key", role=pl.lit("reported"), source="source", record_id="record_id",
                              source_file="source_file", line="line",
                              detail=pl.format("{} {} 上报 {} {}", "period", "indicator",
                                               pl.col("reported").cast(pl.String), "unit"))
    administrative = flagged.select(
        "finding_key", role=pl.lit("administrative_count"), source="admin_source",
        record_id=pl.format("{}:{}:*", "admin_source", pl.col("admin_sha").str.slice(0, 12)),
        source_file="admin_file", line=pl.lit("*"), detail="admin_detail")
    return Detection(findings, pl.concat([reported, administrative]))


RULE = Rule(
    code="indicator_against_sources",
    title="统计数与部门登记数不符",
    dimension="准确性",
    severity="medium",
    entity_kind="area",
    description="乡镇（街道）上报的户籍人口、企业法人单位数、参保人数与户籍库、法人库、参保人员名单同期在册数相差超过容差，规模以上工业增加值与工业用电折算值相差超过容差，附高报或低报方向及各期对比。",
    requires=(FACTS,),
    detect=detect,
    params={
        "population_indicator": Param("户籍人口", "统计报表中可由户籍库直接核算的指标"),
        "enterprise_indicator": Param("企业法人单位数", "统计报表中可由法人库（市场监管登记）直接核算的指标"),
        "insured_indicator": Param("参保人数", "统计报表中可由人社参保人员名单直接核算的指标（两项养老保险合计，按户籍地统计）"),
        "insurance_ended_status": Param("终止", "参保人员名单中参保关系终止（死亡、转出）的状态：其余状态均在保"),
        "tolerance": Param(0.05, "统计期末与快照日期不同，人口、企业和参保人员在两者之间的自然变动（含人社迟知的迁出）不超过 5%"),
        "max_snapshot_gap_days": Param(100, "户籍库、参保人员名单按季度全量交付：取离统计期末最近、相隔不超过一个季度的快照"),
        "min_computed": Param(50, "在册不足 50 个的乡镇，几个的出入就超过 5%，不作比较"),
        "industrial_output_indicator": Param("规模以上工业增加值", "统计报表中随工业生产用电同步变动的指标（电力消费与工业增加值同向）"),
        "industrial_power_category": Param("%工业%", "供电公司用电类别：大工业用电等工业类别是工厂生产用电，居民和商业照明不反映工业产出"),
        "power_tolerance": Param(
            0.25,
            "各乡镇单位电耗产出由其产品结构决定，逐月随产品价格和结构变动约一成；偏离本乡镇各期中位数超过 25% 才是产出与用电不符"),
        "min_kwh": Param(100000.0, "报告期工业用电不足 10 万千瓦时（约一家小厂一年）的乡镇，产出与用电的比值不稳定，不作比较"),
        "min_reports": Param(4, "与本乡镇自身的中位数比较，至少要有 4 期可比的报表，一两期造假才不会改变中位数"),
    },
)
