-- 分行业税收和固定资产投资 (tax and fixed-asset investment by industry): per GB/T 4754 section
-- (门类), the taxpayers and the tax paid in the twelve months before the as-of date (tax register
-- industry of the payer, by division rolled up to its section), and the investment projects in
-- the development and reform bureau's current list (reported by section). Grain: one row per
-- section, plus one for industries that could not be classified.
with sections as (

    select industry_code as section_code, industry_name as section_name
    from {{ ref('industry_classification') }}
    where level = 'section'

),

industries as {{ cte_hint('not materialized') }} (

    select * from {{ ref('int_industry_names') }}

),

organization as (

    select org_id, industry from {{ ref('organization') }}

),

org_xref as (

    select * from {{ source('er', 'org_xref') }}

),

tax as (

    select
        coalesce(industries.section_code, '-') as section_code,
        count(distinct org_xref.org_id) as taxpayers,
        sum(tax.amount) * 0.0001 as tax_12m_wan_yuan,
        sum(tax.amount) filter (where tax.tax_item = '增值税') * 0.0001 as vat_12m_wan_yuan,
        sum(tax.amount) filter (where tax.tax_item = '企业所得税') * 0.0001 as income_tax_12m_wan_yuan
    from {{ ref('stg_shuiwu__monthly_tax') }} as tax
    inner join org_xref
        on org_xref.source = 'shuiwu__monthly_tax' and org_xref.record_id = tax.row_id || '#self'
    left join organization on organization.org_id = org_xref.org_id
    left join industries on industries.industry_name = organization.industry
    where tax.period_start > {{ as_of_date() }} - interval 1 year
      and tax.period_start <= {{ as_of_date() }}
    group by 1

),

investment as (

    select
        coalesce(industries.section_code, '-') as section_code,
        count(*) as projects,
        count(*) filter (where projects.status = '在建') as projects_under_construction,
        sum(projects.total_investment) as total_investment_wan_yuan,
        sum(projects.completed) as completed_investment_wan_yuan
    from {{ ref('stg_fagai__investment_project') }} as projects
    left join industries on industries.industry_name = projects.industry
    where projects.is_current
    group by 1

),

all_sections as (

    select section_code, section_name from sections
    union all
    select '-', '未分类'

),

final as (

    select
        all_sections.section_code,
        all_sections.section_name,
        coalesce(tax.taxpayers, 0) as taxpayers,
        cast(coalesce(tax.tax_12m_wan_yuan, 0) as decimal(20, 4)) as tax_12m_wan_yuan,
        cast(coalesce(tax.vat_12m_wan_yuan, 0) as decimal(20, 4)) as vat_12m_wan_yuan,
        cast(coalesce(tax.income_tax_12m_wan_yuan, 0) as decimal(20, 4)) as income_tax_12m_wan_yuan,
        coalesce(investment.projects, 0) as projects,
        coalesce(investment.projects_under_construction, 0) as projects_under_construction,
        cast(coalesce(investment.total_investment_wan_yuan, 0) as decimal(20, 2)) as total_investment_wan_yuan,
        cast(coalesce(investment.completed_investment_wan_yuan, 0) as decimal(20, 2)) as completed_investment_wan_yuan,
        {{ as_of_date() }} as as_of_date
    from all_sections
    left join tax using (section_code)
    left join investment using (section_code)

)

select * from final
