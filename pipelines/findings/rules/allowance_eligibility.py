"""Rule 4, 低保对象家庭经济状况存疑 (a lead, not a finding of fact): a household receiving the
subsistence allowance in its latest month paid while a registered member owns dwellings above a
floor area, runs an operating business, or pays social insurance on a wage base above a threshold.

Members are the allowance head's household in the current household register. Each kind of
conflict is its own lead, so an auditor can close one without the others.
"""

from __future__ import annotations

import polars as pl

from pipelines.findings.rule import Detection, Param, Rule, RuleContext
from pipelines.findings.sources import ended, month_expr

ALLOWANCE = "staging.stg_minzheng__subsistence_allowance"
REGISTER = "staging.stg_gongan__household_register"
PROPERTY = "staging.stg_zhujian__property_registration"
INDIVIDUAL = "staging.stg_shichang__individual_business"
ENTERPRISE = "staging.stg_shichang__enterprise"
PAYMENTS = "staging.stg_renshe__payments"


def detect(rule: Rule, ctx: RuleContext) -> Detection:
    month = month_expr("s.month")
    period = month_expr("p.period")
    sql = f"""
    with allowance as (
        select x.person_id as head_id, {month} as month, cast(s.amount as double) as amount, s.row_id as record_id, s.source_file,
               cast(s.source_line as varchar) as line
        from {ALLOWANCE} s
        join er.person_xref x on x.source = 'minzheng__subsistence_allowance' and x.record_id = s.row_id || '#self'
        where {month} < date_trunc('month', cast($as_of as date))
    ),
    latest_month as (select max(month) as month from allowance),
    recipients as (
        select a.* from allowance a join latest_month using (month)
        qualify row_number() over (partition by head_id order by record_id desc) = 1
    ),
    register as (
        select x.person_id, r.household_no from {REGISTER} r
        join er.person_xref x on x.source = 'gongan__household_register' and x.record_id = r.row_id || '#self'
        where r.is_current and coalesce(trim(r.status), '正常') = '正常' and r.household_no is not null
    ),
    members as (
        select distinct rc.head_id, m.person_id
        from recipients rc
        join register h on h.person_id = rc.head_id
        join register m on m.household_no = h.household_no
        union
        select head_id, head_id from recipients
    ),
    property as (
        (select x.person_id, cast(p.floor_area as double) as floor_area, p.registered as act_date, p.row_id as record_id, p.source_file,
                cast(p.source_line as varchar) as line, p.certificate_no as act_key
         from {PROPERTY} p
         join er.person_xref x on x.source = 'zhujian__property_registration'
              and x.record_id in (p.row_id || '#owner', p.row_id || '#co_owner')
         where p.registered <= $as_of
         qualify row_number() over (partition by p.certificate_no, x.person_id order by p.delivery_date desc, p.row_id desc) = 1)
    ),
    property_conflicts as (
        -- a dwelling two members own together counts once
        select head_id, 'property' as kind, record_id, source_file, line,
               sum(floor_area) over (partition by head_id) as total,
               '不动产 建筑面积 ' || cast(floor_area as varchar) || ' 平方米，登记 ' || cast(act_date as varchar) as detail,
               'zhujian__property_registration' as source
        from (select distinct m.head_id, p.act_key, p.record_id, p.source_file, p.line, p.floor_area, p.act_date
              from members m join property p using (person_id))
    ),
    business as (
        select x.person_id, 'shichang__individual_business' as source, b.row_id as record_id, b.source_file,
               cast(b.source_line as varchar) as line, '个体工商户经营者，登记状态 ' || coalesce(b.status, '-') as detail
        from {INDIVIDUAL} b
        join er.person_xref x on x.source = 'shichang__individual_business' and x.record_id = b.row_id || '#operator'
        where b.is_current and not {ended('b.status')} and b.established <= $as_of
        union all
        select x.person_id, 'shichang__enterprise', e.row_id, e.source_file, cast(e.source_line as varchar),
               '企业法定代表人，登记状态 ' || coalesce(e.status, '-')
        from {ENTERPRISE} e
        join er.person_xref x on x.source = 'shichang__enterprise' and x.record_id = e.row_id || '#legal_rep'
        where e.is_current and not {ended('e.status')} and e.established <= $as_of
    ),
    wages as (
        select x.person_id, p.row_id as record_id, p.source_file, cast(p.source_line as varchar) as line,
               cast(p.amount as double) / $rate as wage_base, {period} as period_start
        from {PAYMENTS} p
        join er.person_xref x on x.source = 'renshe__payments' and x.record_id = p.row_id || '#self'
        where trim(p.business_type) = '缴费' and {period} >= date_trunc('month', cast($as_of as date)) - to_months(cast($months as integer))
          and {period} < date_trunc('month', cast($as_of as date))
        qualify row_number() over (partition by p.personal_no, p.period order by p.delivery_date desc, p.row_id desc) = 1
    ),
    conflicts as (
        select head_id, kind, source, record_id, source_file, line, detail, total as measure
        from property_conflicts where total > $floor_area
        union all
        select m.head_id, 'business', b.source, b.record_id, b.source_file, b.line, b.detail, null
        from members m join business b using (person_id)
        union all
        select m.head_id, 'wage', 'renshe__payments', w.record_id, w.source_file, w.line,
               '缴费基数约 ' || cast(round(w.wage_base, 0) as varchar) || ' 元（' || strftime(w.period_start, '%Y%m') || '）',
               w.wage_base
        from members m join wages w using (person_id) where w.wage_base > $wage_base
    )
    select c.*, r.record_id as allowance_record_id, r.source_file as allowance_file, r.line as allowance_line,
           r.amount as allowance_amount, strftime(r.month, '%Y%m') as allowance_month,
           c.head_id || '|' || c.kind as finding_key
    from conflicts c join recipients r using (head_id)
    order by finding_key, record_id
    """
    params = {"as_of": ctx.as_of, "floor_area": rule.p("floor_area_m2"),
              "rate": rule.p("contribution_rate"), "wage_base": rule.p("wage_base_yuan"),
              "months": rule.p("wage_months")}
    rows = ctx.con.execute(sql, params).pl()
    if rows.is_empty():
        return Detection.empty()
    names = {"property": "家庭成员名下住房面积超过标准", "business": "家庭成员经营市场主体", "wage": "家庭成员按较高工资基数缴纳社保"}
    grouped = rows.group_by("finding_key", maintain_order=True).agg(
        pl.col("head_id").first(), pl.col("kind").first(), pl.col("measure").max(), pl.len().alias("records"),
        pl.col("allowance_month").first(), pl.col("allowance_amount").first())
    findings = grouped.select(
        "finding_key",
        entity_kind=pl.lit("person"),
        entity_id="head_id",
        summary=pl.format("低保户（{} 发放 {} 元）：{}（{} 条记录）", "allowance_month",
                          pl.col("allowance_amount").round(2).cast(pl.String),
                          pl.col("kind").replace_strict(names, default="其他"), "records"),
        amount=pl.col("allowance_amount"),
        measured=pl.struct("kind", "measure", "records", "allowance_month").struct.json_encode(),
    )
    allowance = rows.unique("finding_key", keep="first", maintain_order=True).select(
        "finding_key", role=pl.lit("allowance"), source=pl.lit("minzheng__subsistence_allowance"),
        record_id="allowance_record_id", source_file="allowance_file", line="allowance_line",
        detail=pl.format("低保 {} 发放 {} 元", "allowance_month", pl.col("allowance_amount").round(2).cast(pl.String)))
    conflict = rows.select("finding_key", role=pl.format("{}_conflict", "kind"), source="source", record_id="record_id",
                           source_file="source_file", line="line", detail="detail")
    return Detection(findings, pl.concat([allowance, conflict]))


RULE = Rule(
    code="allowance_eligibility",
    title="低保对象家庭经济状况存疑",
    dimension="一致性",
    severity="lead",
    entity_kind="person",
    description="最近一个月领取低保的家庭，户内成员名下住房面积超标、经营市场主体或按较高基数缴纳社保（线索，需入户核查）。",
    requires=(ALLOWANCE, REGISTER, PROPERTY, INDIVIDUAL, ENTERPRISE, PAYMENTS, "er.person_xref"),
    detect=detect,
    params={
        "floor_area_m2": Param(150.0, "低保家庭通常只有一处自住房；户内合计建筑面积超过 150 平方米（约两套普通住房）需要核查"),
        "wage_base_yuan": Param(6000.0, "按月缴费基数 6000 元以上的工资收入远高于低保标准，家庭不太可能符合条件"),
        "contribution_rate": Param(0.24, "企业职工养老保险单位 16% 加个人 8%：缴费金额除以 24% 即缴费基数"),
        "wage_months": Param(3, "看最近三个月的缴费，一次性补缴不代表现在的收入"),
    },
)
