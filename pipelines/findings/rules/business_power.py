"""Rule 6, 企业经营与用电纳税不符: a business that reports activity in its annual report while its
non-residential power meters show no use for a year, or that pays no tax for a year while drawing
industrial power well above a baseline.

Meters of a business are the power accounts outside the residential categories (居民...) at its
registered seat (compared as text without the county prefix) or held in its name.
"""

from __future__ import annotations

import polars as pl

from pipelines.findings.rule import Detection, Param, Rule, RuleContext
from pipelines.findings.sources import address_key, business_meter_links, ended, month_expr

ENTERPRISE = "staging.stg_shichang__enterprise"
ANNUAL = "staging.stg_shichang__annual_report"
ACCOUNT = "staging.stg_gongdian__account"
USE = "staging.stg_gongdian__consumption"
TAX = "staging.stg_shuiwu__monthly_tax"
# a business's meter: a current account outside the residential categories
BUSINESS_ACCOUNT = "a.is_current and a.category is not null and a.category not like '%居民%'"


def detect(rule: Rule, ctx: RuleContext) -> Detection:
    prefixes = ctx.address_prefixes
    sql = f"""
    with orgs as (
        select x.org_id, e.uscc, e.name, {address_key('e.address', prefixes)} as address_key, e.row_id as record_id,
               e.source_file, cast(e.source_line as varchar) as line
        from {ENTERPRISE} e
        join er.org_xref x on x.source = 'shichang__enterprise' and x.record_id = e.row_id || '#self'
        where e.is_current and not {ended('e.status')}
    ),
    meters as (
        select distinct l.org_id, a.account_no, a.holder, a.row_id as record_id, a.source_file,
               cast(a.source_line as varchar) as line, a.category
        from {business_meter_links(ACCOUNT, BUSINESS_ACCOUNT, 'orgs', prefixes)} l
        join {ACCOUNT} a on a.row_id = l.account_row_id
    ),
    readings as (
        select account_no, {month_expr('month')} as month, cast(kwh as double) as kwh
        from {USE}
        qualify row_number() over (partition by account_no, month order by delivery_date desc, row_id desc) = 1
    ),
    window_use as (
        select m.org_id, count(distinct r.month) as months_read, coalesce(sum(r.kwh), 0) as kwh
        from meters m join readings r using (account_no)
        where r.month >= date_trunc('month', cast($as_of as date)) - to_months(12)
          and r.month < date_trunc('month', cast($as_of as date))
        group by m.org_id
    ),
    reports as (
        select x.org_id, r.report_year, cast(r.revenue as double) as revenue, r.employees, r.row_id as record_id,
               r.source_file, cast(r.source_line as varchar) as line
        from {ANNUAL} r
        join er.org_xref x on x.source = 'shichang__annual_report' and x.record_id = r.row_id || '#self'
        where r.report_year = year(cast($as_of as date)) - 1
        qualify row_number() over (partition by x.org_id order by r.delivery_date desc, r.row_id desc) = 1
    ),
    taxes as (
        select x.org_id, sum(cast(t.amount as double)) as tax
        from {TAX} t
        join er.org_xref x on x.source = 'shuiwu__monthly_tax' and x.record_id = t.row_id || '#self'
        where t.period_start >= cast($as_of as date) - to_months(12) and t.period_start < $as_of
        group by x.org_id
    ),
    idle as (
        select o.org_id, 'idle_meter' as leg, w.kwh, w.months_read, rp.revenue, rp.employees, null::double as tax,
               rp.record_id as report_record_id, rp.source_file as report_file, rp.line as report_line, rp.report_year
        from orgs o join window_use w using (org_id) join reports rp using (org_id)
        where w.months_read >= $min_months and w.kwh = 0
          and (coalesce(rp.revenue, 0) > 0 or coalesce(rp.employees, 0) > 0)
    ),
    untaxed as (
        select o.org_id, 'no_tax' as leg, w.kwh, w.months_read, null::double, null::bigint, coalesce(t.tax, 0),
               null, null, null, null
        from orgs o join window_use w using (org_id) left join taxes t using (org_id)
        where w.kwh >= $baseline and coalesce(t.tax, 0) <= 0
    )
    select f.*, o.uscc, o.record_id as org_record_id, o.source_file as org_file, o.line as org_line,
           f.org_id || '|' || f.leg as finding_key
    from (select * from idle union all select * from untaxed) f join orgs o using (org_id)
    order by finding_key
    """
    params = {"as_of": ctx.as_of, "min_months": rule.p("min_months_read"),
              "baseline": rule.p("industrial_kwh_baseline")}
    rows = ctx.con.execute(sql, params).pl()
    if rows.is_empty():
        return Detection.empty()
    ctx.con.register("_bp_found", rows.select("org_id", "finding_key"))
    meter_rows = ctx.con.execute(f"""
        with orgs as (
            select x.org_id, e.name, {address_key('e.address', prefixes)} as address_key
            from {ENTERPRISE} e join er.org_xref x on x.source = 'shichang__enterprise' and x.record_id = e.row_id || '#self'
            where e.is_current
        )
        select distinct f.finding_key, 'meter_account' as role, 'gongdian__account' as source, a.row_id as record_id,
               a.source_file, cast(a.source_line as varchar) as line,
               coalesce(a.category, '') || ' 户号 ' || a.account_no as detail
        from _bp_found f
        join {business_meter_links(ACCOUNT, BUSINESS_ACCOUNT, 'orgs', prefixes)} l using (org_id)
        join {ACCOUNT} a on a.row_id = l.account_row_id
        order by 1, record_id
    """).pl()
    ctx.con.unregister("_bp_found")
    names = {"idle_meter": "年报有经营活动，经营场所电表一年用电为 0", "no_tax": "用电量高于基线，一年未缴税"}
    findings = rows.select(
        "finding_key", entity_kind=pl.lit("org"), entity_id="org_id",
        summary=pl.format("{}：{}（近 12 个月用电 {} 千瓦时）", "uscc", pl.col("leg").replace_strict(names),
                          pl.col("kwh").round(0).cast(pl.Int64).cast(pl.String)),
        amount=pl.col("tax"),
        measured=pl.struct("leg", "kwh", "months_read", "revenue", "employees", "tax", "report_year").struct.json_encode(),
    )
    registration = rows.select("finding_key", role=pl.lit("registration"), source=pl.lit("shichang__enterprise"),
                               record_id="org_record_id", source_file="org_file", line="org_line",
                               detail=pl.format("企业登记 {} 存续", "uscc"))
    report = rows.filter(pl.col("report_record_id").is_not_null()).select(
        "finding_key", role=pl.lit("annual_report"), source=pl.lit("shichang__annual_report"),
        record_id="report_record_id", source_file="report_file", line="report_line",
        detail=pl.format("{} 年报 营业收入 {} 万元 从业 {} 人", "report_year", pl.col("revenue").cast(pl.String).fill_null("-"),
                         pl.col("employees").cast(pl.String).fill_null("-")))
    return Detection(findings, pl.concat([registration, report, meter_rows]))


RULE = Rule(
    code="business_power_mismatch",
    title="企业经营与用电纳税不符",
    dimension="一致性",
    severity="medium",
    entity_kind="org",
    description="存续企业年报有营业收入或从业人员而经营场所非居民电表一年用电为零；或用电远超基线却一年未缴税。",
    requires=(ENTERPRISE, ANNUAL, ACCOUNT, USE, TAX, "er.org_xref"),
    detect=detect,
    params={
        "min_months_read": Param(6, "一年内抄表不足六个月的电表（新装、换表）不作判断"),
        "industrial_kwh_baseline": Param(
            100000.0, "年用电 10 万千瓦时约为一家小型工厂的用量，达到这个量级却全年零税款不合常理"),
    },
)
