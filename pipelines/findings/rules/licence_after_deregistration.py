"""Rule 3, 主体注销后证照仍有效: an e-licence (dzzz) or an administrative licence (shenpi, 双公示)
still valid on the as-of date for an organisation that market regulation (enterprises,
individual businesses) or civil affairs (social organisations) deregistered or revoked before it,
beyond a grace period: issuers cancel licences days after a deregistration, not months.

The deregistration date is the registry's 注销日期 where it has one, else the first delivery of
the registry that shows the organisation ended (the latest date it can have happened).
"""

from __future__ import annotations

import polars as pl

from pipelines.findings.rule import Detection, Param, Rule, RuleContext
from pipelines.findings.sources import ended

ENTERPRISE = "staging.stg_shichang__enterprise"
INDIVIDUAL = "staging.stg_shichang__individual_business"
SOCIAL = "staging.stg_minzheng__social_organization"
ELICENCE = "lib_elicense.elicence"
ADMIN_LICENCE = "lib_credit.administrative_licence"


def _ended(table: str, source: str, kind: str, date_column: str | None) -> str:
    date = f"coalesce(r.{date_column}, r.first_seen_ended)" if date_column else "r.first_seen_ended"
    return f"""
        select x.org_id, '{source}' as source, '{kind}' as registry, r.uscc, trim(r.status) as status,
               {date} as ended_date, r.row_id as record_id, r.source_file, cast(r.source_line as varchar) as line
        from (select *, min(case when {ended('status')} then delivery_date end)
                            over (partition by uscc) as first_seen_ended
              from {table}) r
        join er.org_xref x on x.source = '{source}' and x.record_id = r.row_id || '#self'
        where r.is_current and {ended('r.status')}"""


REGISTRIES = (
    (ENTERPRISE, "shichang__enterprise", "企业登记", "deregistered"),
    (INDIVIDUAL, "shichang__individual_business", "个体工商户登记", None),
    (SOCIAL, "minzheng__social_organization", "社会组织登记", None),
)
LICENCES = {
    ELICENCE: f"""
        select org_id, source, licence_no, licence_name as licence_title, issue_date, valid_to,
               row_id as record_id, source_file, cast(source_line as varchar) as line
        from {ELICENCE}
        where org_id is not null and is_valid_as_of""",
    ADMIN_LICENCE: f"""
        select org_id, source, licence_no, coalesce(certificate_name, licence_category) as licence_title,
               decision_date as issue_date, valid_to, row_id as record_id, source_file, cast(source_line as varchar) as line
        from {ADMIN_LICENCE}
        where org_id is not null and is_in_force""",
}


def detect(rule: Rule, ctx: RuleContext) -> Detection:
    registries = [_ended(t, s, k, d) for t, s, k, d in REGISTRIES if not ctx.has(t)]
    licences = [sql for table, sql in LICENCES.items() if not ctx.has(table)]
    if not registries or not licences:
        return Detection.empty("no registry or no licence table")
    sql = f"""
    with ended as ({" union all ".join(registries)}),
    ended_org as (
        select * from ended
        qualify row_number() over (partition by org_id order by ended_date, record_id) = 1
    ),
    licences as ({" union all ".join(licences)})
    select e.org_id, e.uscc, e.registry, e.status, e.ended_date, e.source as ended_source,
           e.record_id as ended_record_id, e.source_file as ended_file, e.line as ended_line,
           l.source, l.licence_no, l.licence_title, l.issue_date, l.valid_to, l.record_id, l.source_file, l.line,
           e.org_id || '|' || coalesce(e.uscc, '') as finding_key
    from ended_org e
    join licences l using (org_id)
    where e.ended_date + to_days(cast($grace as integer)) < $as_of
    order by finding_key, l.source, l.licence_no, l.record_id
    """
    rows = ctx.con.execute(
        sql, {"as_of": ctx.as_of, "grace": rule.p("grace_days")}
    ).pl()
    if rows.is_empty():
        return Detection.empty()
    grouped = rows.group_by("finding_key", maintain_order=True).agg(
        pl.col("org_id").first(), pl.col("uscc").first(), pl.col("registry").first(), pl.col("status").first(),
        pl.col("ended_date").first(), pl.col("licence_no").n_unique().alias("licences"),
        pl.col("licence_no").unique(maintain_order=True).alias("licence_nos"),
    )
    findings = grouped.select(
        "finding_key",
        entity_kind=pl.lit("org"),
        entity_id="org_id",
        summary=pl.format("{}（{}）已于 {} {}，截至基准日仍有 {} 张证照有效", "uscc", "registry",
                          pl.col("ended_date").cast(pl.String), "status", "licences"),
        amount=pl.lit(None, pl.Float64),
        measured=pl.struct(
            "uscc", "status", pl.col("ended_date").cast(pl.String), "licences", "licence_nos",
            (pl.lit(ctx.as_of) - pl.col("ended_date")).dt.total_days().alias("days_since_ended"),
        ).struct.json_encode(),
    )
    ended = rows.unique("finding_key", keep="first", maintain_order=True).select(
        "finding_key", role=pl.lit("deregistration"), source="ended_source", record_id="ended_record_id",
        source_file="ended_file", line="ended_line",
        detail=pl.format("{} 登记状态 {}，日期 {}", "registry", "status", pl.col("ended_date").cast(pl.String)),
    )
    licences = rows.select(
        "finding_key", role=pl.lit("licence_in_force"), source="source", record_id="record_id",
        source_file="source_file", line="line",
        detail=pl.format("{} 编号 {} 颁发 {} 有效期至 {}", pl.col("licence_title").fill_null("证照"), "licence_no",
                         pl.col("issue_date").cast(pl.String).fill_null("-"),
                         pl.col("valid_to").cast(pl.String).fill_null("长期")),
    )
    return Detection(findings, pl.concat([ended, licences]))


RULE = Rule(
    code="licence_after_deregistration",
    title="主体注销后证照仍有效",
    dimension="一致性",
    severity="high",
    entity_kind="org",
    description="市场监管或民政已注销、吊销、撤销的组织，基准日仍有有效的电子证照或行政许可（超过宽限期）。",
    requires=("er.org_xref",),
    detect=detect,
    params={
        "grace_days": Param(
            14,
            "发证机关在主体注销后数日内注销证照（同一周内注销属正常滞后）；注销日期不详时取首次显示注销的快照日期（最晚可能日期），超过两周仍有效即是线索",
        ),
    },
)
