"""Rule 2, 死亡后仍办理登记: a person who is a party to a new registration dated after their
death (marriage, property, residence permit, business registration, a licence issued to them),
the death as the death certificate, the cremation record or the household register records it.

A registration is a new act only its party can make (or consent to): dated after the death, one
of the two records is wrong, or someone acted in the dead person's name.
"""

from __future__ import annotations

import polars as pl

from pipelines.findings.rule import Detection, Param, Rule, RuleContext
from pipelines.findings.sources import DEATH_TABLES, deaths_cte

# (staging model, source, roles of persons in it, date column, business key column, what it is,
#  snapshot source: only its current rows)
REGISTRATIONS = (
    ("staging.stg_minzheng__marriage_registration", "minzheng__marriage_registration", ("husband", "wife"),
     "registration_date", "certificate_no", "婚姻登记", False),
    ("staging.stg_zhujian__property_registration", "zhujian__property_registration", ("owner", "co_owner"),
     "registered", "certificate_no", "不动产登记", False),
    ("staging.stg_gongan__residence_permit", "gongan__residence_permit", ("self",), "apply_date", "permit_no",
     "居住证申领", False),
    ("staging.stg_shichang__enterprise", "shichang__enterprise", ("legal_rep",), "established", "uscc",
     "企业设立登记（法定代表人）", True),
    ("staging.stg_shichang__individual_business", "shichang__individual_business", ("operator",), "established",
     "uscc", "个体工商户登记（经营者）", True),
    ("staging.stg_dzzz__person_licence", "dzzz__person_licence", ("holder",), "issue_date", "licence_no",
     "电子证照签发", False),
)


def _registrations_sql(available: set[str]) -> str:
    parts = []
    for table, source, roles, date_column, key, kind, snapshot in REGISTRATIONS:
        if table not in available:
            continue
        for role in roles:
            parts.append(f"""
            (select x.person_id, '{source}' as source, '{kind}' as kind, '{role}' as party_role,
                    r.{date_column} as act_date, cast(r.{key} as varchar) as act_key, r.row_id as record_id,
                    r.source_file, cast(r.source_line as varchar) as line
             from {table} r
             join er.person_xref x on x.source = '{source}' and x.record_id = r.row_id || '#{role}'
             where r.{date_column} is not null {'and r.is_current' if snapshot else ''}
             qualify row_number() over (partition by r.{key}, x.person_id order by r.delivery_date desc, r.row_id desc) = 1)""")
    return " union all ".join(parts)


def detect(rule: Rule, ctx: RuleContext) -> Detection:
    available = {t for t, *_ in REGISTRATIONS if not ctx.has(t)}
    if not available:
        return Detection.empty("no registration sources")
    sql = f"""
    with {deaths_cte()},
    acts as ({_registrations_sql(available)})
    select a.*, d.death_date, d.death_kind, d.source as death_source, d.record_id as death_record_id,
           d.source_file as death_file, d.line as death_line,
           a.person_id || '|' || a.source || '|' || a.act_key as finding_key
    from acts a join deaths d using (person_id)
    where a.act_date > d.death_date + to_days(cast($grace as integer)) and a.act_date <= $as_of
    order by finding_key
    """
    rows = ctx.con.execute(sql, {"as_of": ctx.as_of, "grace": rule.p("grace_days")}).pl()
    if rows.is_empty():
        return Detection.empty()
    rows = rows.unique("finding_key", keep="first", maintain_order=True)
    days = (pl.col("act_date") - pl.col("death_date")).dt.total_days()
    findings = rows.select(
        "finding_key",
        entity_kind=pl.lit("person"),
        entity_id="person_id",
        summary=pl.format("死亡（{}记载，{}）后 {} 天仍作为当事人办理{}（{}）", "death_kind",
                          pl.col("death_date").dt.strftime("%Y年%m月"), days, "kind",
                          pl.col("act_date").cast(pl.String)),
        amount=pl.lit(None, pl.Float64),
        measured=pl.struct("kind", "party_role", pl.col("act_date").cast(pl.String),
                           pl.col("death_date").cast(pl.String), "death_kind", days.alias("days_after_death")
                           ).struct.json_encode(),
    )
    act = rows.select("finding_key", role=pl.lit("registration_after_death"), source="source", record_id="record_id",
                      source_file="source_file", line="line",
                      detail=pl.format("{} 日期 {}（当事人身份 {}）", "kind", pl.col("act_date").cast(pl.String), "party_role"))
    death = rows.select("finding_key", role=pl.lit("death"), source="death_source", record_id="death_record_id",
                        source_file="death_file", line="death_line",
                        detail=pl.format("{}：死亡日期 {}", "death_kind", pl.col("death_date").cast(pl.String)))
    return Detection(findings, pl.concat([death, act]))


RULE = Rule(
    code="dead_still_acting",
    title="死亡后仍办理登记",
    dimension="一致性",
    severity="high",
    entity_kind="person",
    description="死亡人员在死亡日期之后作为当事人办理婚姻、不动产、居住证、市场主体登记或领取证照。",
    requires=("er.person_xref", *DEATH_TABLES),
    detect=detect,
    params={
        "grace_days": Param(0, "登记日期晚于死亡日期即是矛盾：登记要本人到场或授权，死亡当天及以前的登记不算"),
    },
)
