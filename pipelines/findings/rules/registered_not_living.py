"""Rule 5, 人户分离（有户籍无用能）: a household in the register whose home shows no power and no
water use for a whole year, although its meters were read: registered there, living elsewhere.

The meters of a household are those at its registered address (compared as text without the
county prefix) and those held by one of its registered members. A year is looked at so that
seasonal residents (winter only, summer only) show use in some month and are not findings; a
meter read fewer than six months in that year (a new account) is not judged. Summed per
township against the register's population this is also a macro signal (the occupancy mart in
decision support).
"""

from __future__ import annotations

import polars as pl

from pipelines.findings.rule import Detection, Param, Rule, RuleContext
from pipelines.findings.sources import UTILITIES, address_key, month_expr

REGISTER = "staging.stg_gongan__household_register"


def _utility_sql(prefixes: tuple[str, ...]) -> tuple[str, str]:
    accounts, readings = [], []
    for account, consumption, use, account_source, reading_source, name in UTILITIES:
        accounts.append(f"""
        select '{account_source}' as source, '{name}' as utility, a.account_no, a.row_id as record_id,
               a.source_file, cast(a.source_line as varchar) as line, {address_key('a.address', prefixes)} as address_key,
               x.person_id as holder_id
        from {account} a
        left join er.person_xref x on x.source = '{account_source}' and x.record_id = a.row_id || '#holder'
        where a.is_current""")
        readings.append(f"""
        (select '{account_source}' as account_source, '{reading_source}' as source, account_no,
                {month_expr('month')} as month, cast({use} as double) as use, row_id as record_id,
                source_file, cast(source_line as varchar) as line
         from {consumption}
         qualify row_number() over (partition by account_no, month order by delivery_date desc, row_id desc) = 1)""")
    return " union all ".join(accounts), " union all ".join(readings)


def detect(rule: Rule, ctx: RuleContext) -> Detection:
    accounts_sql, readings_sql = _utility_sql(ctx.address_prefixes)
    sql = f"""
    with members as (
        select x.person_id, r.household_no, r.row_id as record_id, r.source_file,
               cast(r.source_line as varchar) as line, {address_key('r.address', ctx.address_prefixes)} as address_key
        from {REGISTER} r
        join er.person_xref x on x.source = 'gongan__household_register' and x.record_id = r.row_id || '#self'
        where r.is_current and coalesce(trim(r.status), '正常') = '正常' and r.household_no is not null
    ),
    households as (
        select household_no, count(*) as registered, min(address_key) as address_key
        from members group by household_no
    ),
    accounts as ({accounts_sql}),
    readings as (
        select * from ({readings_sql})
        where month >= date_trunc('month', cast($as_of as date)) - to_months(cast($lookback as integer))
          and month < date_trunc('month', cast($as_of as date))
    ),
    links as (
        select distinct h.household_no, a.source, a.account_no
        from households h join accounts a on a.address_key = h.address_key
        union
        select distinct m.household_no, a.source, a.account_no
        from members m join accounts a on a.holder_id = m.person_id
    ),
    use_per_household as (
        select l.household_no, count(distinct r.month) as months_read, sum(r.use) as total_use,
               count(distinct l.account_no) as meters
        from links l join readings r on r.account_source = l.source and r.account_no = l.account_no
        group by l.household_no
    ),
    empty as (
        select u.*, h.registered from use_per_household u join households h using (household_no)
        where u.months_read >= $min_months and coalesce(u.total_use, 0) = 0
    )
    select e.household_no, e.registered, e.months_read, e.meters,
           'H' || left(sha256(e.household_no), 12) as entity_id, e.household_no as finding_key
    from empty e order by e.household_no
    """
    params = {"as_of": ctx.as_of, "lookback": rule.p("lookback_months"), "min_months": rule.p("min_months_read")}
    ctx.con.execute(f"create or replace temp view _rnl_accounts as {accounts_sql}")
    ctx.con.execute(f"create or replace temp view _rnl_readings as {readings_sql}")
    found = ctx.con.execute(sql, params).pl()
    if found.is_empty():
        return Detection.empty()
    ctx.con.register("_rnl_found", found)
    evidence = ctx.con.execute(f"""
    with members as (
        select r.household_no, r.row_id as record_id, r.source_file, cast(r.source_line as varchar) as line,
               x.person_id, {address_key('r.address', ctx.address_prefixes)} as address_key
        from {REGISTER} r
        join er.person_xref x on x.source = 'gongan__household_register' and x.record_id = r.row_id || '#self'
        where r.is_current and coalesce(trim(r.status), '正常') = '正常'
          and r.household_no in (select household_no from _rnl_found)
    ),
    links as (
        select distinct m.household_no, a.* from members m
        join _rnl_accounts a on a.address_key = m.address_key or a.holder_id = m.person_id
    )
    select household_no as finding_key, 'registered_resident' as role, 'gongan__household_register' as source,
           record_id, source_file, line, '户籍在册（户籍状态 正常）' as detail, 0 as k, '' as month
    from members
    union all
    select household_no, 'meter_account', source, record_id, source_file, line,
           utility || '户号 ' || account_no || ' 在该户籍地址或由户内人员开户', 1, ''
    from links
    union all
    select l.household_no, 'zero_use', r.source, r.record_id, r.source_file, r.line,
           l.utility || ' ' || strftime(r.month, '%Y%m') || ' 用量 0', 2, strftime(r.month, '%Y%m')
    from links l join _rnl_readings r on r.account_source = l.source and r.account_no = l.account_no
    where r.month >= date_trunc('month', cast($as_of as date)) - to_months(cast($lookback as integer))
      and r.month < date_trunc('month', cast($as_of as date))
    order by 1, k, month, record_id
    """, {"as_of": ctx.as_of, "lookback": rule.p("lookback_months")}).pl().drop("k", "month")
    ctx.con.unregister("_rnl_found")
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
    requires=(REGISTER, "er.person_xref", *(t for u in UTILITIES for t in u[:2])),
    detect=detect,
    params={
        "lookback_months": Param(12, "看满一年，季节性居住（只冬天或只夏天住）的住户总有几个月有用量，不会被当成线索"),
        "min_months_read": Param(6, "一年内抄表不足六个月的表（新开户、换表）说明不了六个月以上无人居住"),
    },
)
