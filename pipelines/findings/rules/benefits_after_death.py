"""Rule 1, 死亡后仍领取待遇: pensions (renshe) and subsistence allowances (minzheng) paid for
periods after the person's death as the death certificate, the cremation record or the household
register records it (the national audit office's standard join of payees to death records).

Arrears paid after the death for periods before it, and the month of death itself, are not
findings: only a period (month) after the death month counts, whatever the payment date.
"""

from __future__ import annotations

from pipelines.findings.rule import Detection, Param, Rule, RuleContext
from pipelines.findings.sources import DEATH_TABLES, deaths_cte, month_expr

PAYMENTS = "staging.stg_renshe__payments"
ALLOWANCE = "staging.stg_minzheng__subsistence_allowance"


def detect(rule: Rule, ctx: RuleContext) -> Detection:
    benefit_type = rule.p("benefit_business_type")
    period = month_expr("p.period")
    month = month_expr("s.month")
    sql = f"""
    with {deaths_cte()},
    payments as (
        -- a period paid twice (a correction or a re-sent row) counts once: its latest delivery
        (select x.person_id, 'renshe__payments' as source, '养老保险待遇' as scheme, p.personal_no as account_key,
                {period} as period_start, p.period as period_text, cast(p.amount as double) as amount, p.row_id as record_id,
                p.source_file, cast(p.source_line as varchar) as line
         from {PAYMENTS} p
         join er.person_xref x on x.source = 'renshe__payments' and x.record_id = p.row_id || '#self'
         where trim(p.business_type) = $benefit_type and p.amount > 0
         qualify row_number() over (partition by p.personal_no, p.period, p.business_type
                                    order by p.delivery_date desc, p.row_id desc) = 1)
        union all
        (select x.person_id, 'minzheng__subsistence_allowance' as source, '最低生活保障金' as scheme,
                s.id_number as account_key, {month} as period_start, s.month as period_text, cast(s.amount as double) as amount,
                s.row_id as record_id, s.source_file, cast(s.source_line as varchar) as line
         from {ALLOWANCE} s
         join er.person_xref x on x.source = 'minzheng__subsistence_allowance' and x.record_id = s.row_id || '#self'
         where s.amount > 0
         qualify row_number() over (partition by s.id_number, s.month order by s.delivery_date desc, s.row_id desc) = 1)
    ),
    after_death as (
        select p.*, d.death_date, d.death_kind, d.source as death_source, d.record_id as death_record_id,
               d.source_file as death_file, d.line as death_line,
               p.person_id || '|' || p.source as finding_key
        from payments p
        join deaths d using (person_id)
        where p.period_start > date_trunc('month', d.death_date)
    )
    select * from after_death order by finding_key, period_start, record_id
    """
    rows = ctx.con.execute(sql, {"as_of": ctx.as_of, "benefit_type": benefit_type}).pl()
    return _shape(rows)


def _shape(rows):  # noqa: ANN001, ANN202 - polars frames in, Detection out
    import polars as pl

    if rows.is_empty():
        return Detection.empty()
    grouped = rows.group_by("finding_key", maintain_order=True).agg(
        pl.col("person_id").first(),
        pl.col("scheme").first(),
        pl.col("death_kind").first(),
        pl.col("death_date").first(),
        pl.col("period_start").n_unique().alias("months"),
        pl.col("amount").sum().round(2).alias("amount"),
        pl.col("period_start").min().alias("first_period"),
        pl.col("period_start").max().alias("last_period"),
    )
    findings = grouped.select(
        "finding_key",
        entity_kind=pl.lit("person"),
        entity_id=pl.col("person_id"),
        summary=pl.format(
            "{}在死亡（{}记载，{}）后仍按月发放 {} 个月（{} 至 {}），合计 {} 元",
            "scheme", "death_kind", pl.col("death_date").dt.strftime("%Y年%m月"), "months",
            pl.col("first_period").dt.strftime("%Y%m"), pl.col("last_period").dt.strftime("%Y%m"),
            pl.col("amount").map_elements(lambda v: f"{v:,.2f}", return_dtype=pl.String),
        ),
        amount=pl.col("amount"),
        measured=pl.struct(
            pl.col("scheme"), pl.col("death_kind"), pl.col("death_date").cast(pl.String),
            pl.col("months"), pl.col("amount").alias("amount_yuan"),
            pl.col("first_period").dt.strftime("%Y%m"), pl.col("last_period").dt.strftime("%Y%m"),
        ).struct.json_encode(),
    )
    death = rows.unique("finding_key", keep="first", maintain_order=True).select(
        "finding_key", role=pl.lit("death"), source="death_source", record_id="death_record_id",
        source_file="death_file", line="death_line",
        detail=pl.format("{}：死亡日期 {}", "death_kind", pl.col("death_date").cast(pl.String)),
    )
    paid = rows.select(
        "finding_key", role=pl.lit("payment_after_death"), source="source", record_id="record_id",
        source_file="source_file", line="line",
        detail=pl.format("{} 所属期 {} 金额 {} 元", "scheme", pl.col("period_start").dt.strftime("%Y%m"),
                         pl.col("amount").round(2).cast(pl.String)),
    )
    return Detection(findings, pl.concat([death, paid]))


RULE = Rule(
    code="benefits_after_death",
    title="死亡后仍领取待遇",
    dimension="一致性",
    severity="high",
    entity_kind="person",
    description="养老保险待遇、最低生活保障金在领取人死亡后的所属期仍在发放（死亡医学证明、火化证明或户籍死亡注销任一记载）。",
    requires=(PAYMENTS, ALLOWANCE, "er.person_xref", *DEATH_TABLES),
    detect=detect,
    params={
        "benefit_business_type": Param(
            "待遇发放",
            "人社发放明细的业务类型：只有待遇发放是付给本人的钱，缴费是单位和个人交入的",
        ),
        "after_month_of_death": Param(
            True,
            "死亡当月的待遇按规定照发，死亡前所属期的补发（到账日期在死亡后）也不是多发：只算死亡月份之后的所属期",
        ),
    },
)
