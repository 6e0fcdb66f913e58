"""Rule 5, 有户籍无用电用水（人户分离）: a household in the register whose home shows no power and
no water use for a whole year although its meters were read: registered there, living elsewhere.

The meters of a household come from the decision-support build
(`staging.int_household_utility_accounts`: accounts at its registered address, normalised, and
accounts held by a registered member), so this rule and the occupancy mart
(`lib_decision.township_occupancy`) link meters to homes the same way. A year is looked at so
that seasonal residents (winter only, summer only) show use in some month and are not findings;
a household whose meters were read fewer than six months of that year (a new account) is not
judged. Summed per township against the register's population this is the occupancy mart's
empty-home rate.
"""

from __future__ import annotations

import polars as pl

from pipelines.findings.rule import Detection, Param, Rule, RuleContext

REGISTER = "staging.stg_gongan__household_register"
LINKS = "staging.int_household_utility_accounts"
READINGS = "staging.int_utility_monthly_use"
UTILITY_ZH = {"power": "用电", "water": "用水"}


def detect(rule: Rule, ctx: RuleContext) -> Detection:
    params = {"as_of": ctx.as_of, "lookback": rule.p("lookback_months"), "min_months": rule.p("min_months_read")}
    window = """r.month_start >= date_trunc('month', cast($as_of as date)) - to_months(cast($lookback as integer))
                and r.month_start < date_trunc('month', cast($as_of as date))"""
    found = ctx.con.execute(f"""
        with per_household as (
            select l.household_no, count(distinct r.month_start) as months_read, sum(r.use) as total_use,
                   count(distinct l.account_source || l.account_no) as meters
            from {LINKS} l
            join {READINGS} r on r.account_source = l.account_source and r.account_no = l.account_no
            where {window}
            group by l.household_no
        )
        select household_no as finding_key, 'H' || left(sha256(household_no), 12) as entity_id, months_read, meters
        from per_household
        where months_read >= $min_months and coalesce(total_use, 0) = 0
        order by household_no
    """, params).pl()
    if found.is_empty():
        return Detection.empty()
    ctx.con.register("_rnl_found", found.select("finding_key"))
    try:
        evidence = ctx.con.execute(f"""
            select r.household_no as finding_key, 'registered_resident' as role, 'gongan__household_register' as source,
                   r.row_id as record_id, r.source_file, cast(r.source_line as varchar) as line,
                   '户籍在册（户籍状态 ' || coalesce(r.status, '正常') || '）' as detail, 0 as k, null as month
            from {REGISTER} r
            where r.is_current and coalesce(trim(r.status), '正常') = '正常'
              and r.household_no in (select finding_key from _rnl_found)
            union all
            select l.household_no, 'meter_account', l.account_source, l.account_row_id, l.account_source_file,
                   cast(l.account_source_line as varchar),
                   case l.utility when 'power' then '用电' else '用水' end || '户号 ' || l.account_no
                       || (case when l.link_basis like '%address%' then ' 在该户籍地址' else ' 由户内人员开户' end), 1, null
            from {LINKS} l where l.household_no in (select finding_key from _rnl_found)
            union all
            select l.household_no, 'zero_use', r.source, r.row_id, r.source_file, cast(r.source_line as varchar),
                   case l.utility when 'power' then '用电' else '用水' end || ' ' || strftime(r.month_start, '%Y%m')
                       || ' 用量 ' || cast(r.use as varchar), 2, r.month_start
            from {LINKS} l
            join {READINGS} r on r.account_source = l.account_source and r.account_no = l.account_no
            where l.household_no in (select finding_key from _rnl_found) and {window}
            order by 1, k, month, record_id
        """, {k: v for k, v in params.items() if k != "min_months"}).pl().drop("k", "month")
        people = ctx.con.execute(f"""
            select household_no as finding_key, count(*) as registered from {REGISTER}
            where is_current and coalesce(trim(status), '正常') = '正常'
              and household_no in (select finding_key from _rnl_found)
            group by household_no
        """).pl()
    finally:
        ctx.con.unregister("_rnl_found")
    found = found.join(people, on="finding_key", how="left").with_columns(pl.col("registered").fill_null(0))
    findings = found.select(
        "finding_key",
        entity_kind=pl.lit("household"),
        entity_id="entity_id",
        summary=pl.format("户籍在册 {} 人的住户，{} 块电表/水表近 {} 个月抄表 {} 个月，用电用水均为 0", "registered",
                          "meters", pl.lit(rule.p("lookback_months")), "months_read"),
        amount=pl.lit(None, pl.Float64),
        measured=pl.struct("registered", "meters", "months_read").struct.json_encode(),
    )
    return Detection(findings, evidence)


RULE = Rule(
    code="registered_not_living",
    title="有户籍无用电用水（人户分离）",
    dimension="准确性",
    severity="medium",
    entity_kind="household",
    description="户籍在册住户的住址（或户内人员名下）的电表、水表近一年均有抄表而用量为零。",
    requires=(REGISTER, LINKS, READINGS),
    detect=detect,
    params={
        "lookback_months": Param(12, "看满一年，季节性居住（只冬天或只夏天住）的住户总有几个月有用量，不会被当成线索"),
        "min_months_read": Param(6, "一年内抄表不足六个月的表（新开户、换表）说明不了六个月以上无人居住"),
    },
)
