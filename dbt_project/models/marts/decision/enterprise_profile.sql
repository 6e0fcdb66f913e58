-- 企业画像 (enterprise profile): per golden organisation, what the libraries know about it in
-- one row: registration, industry and township, size (employees, revenue and assets from the
-- latest annual report; insured employees), tax paid in the twelve months before the as-of date,
-- fixed-asset investment projects, land, licences and e-licences in force, penalties and credit
-- class. Grain: one row per golden organisation.
with organization as (

    select * from {{ ref('organization') }}

),

credit as (

    select * from {{ ref('credit_profile') }}

),

divisions as (

    select division_code, division_name from {{ ref('division') }}

),

industries as (

    select * from {{ ref('int_industry_names') }}

),

org_xref as {{ cte_hint('not materialized') }} (

    select * from {{ source('er', 'org_xref') }}

),

annual_reports as (

    select
        org_xref.org_id,
        reports.report_year,
        reports.employees,
        reports.revenue,
        reports.total_assets,
        reports.tax_paid
    from {{ ref('stg_shichang__annual_report') }} as reports
    inner join org_xref
        on org_xref.source = 'shichang__annual_report' and org_xref.record_id = reports.row_id || '#self'
    qualify row_number() over (
        partition by org_xref.org_id order by reports.report_year desc, reports.delivery_date desc, reports.row_id
    ) = 1

),

taxes as (

    select
        org_xref.org_id,
        sum(tax.amount) * 0.0001 as tax_paid_12m_wan_yuan
    from {{ ref('stg_shuiwu__monthly_tax') }} as tax
    inner join org_xref
        on org_xref.source = 'shuiwu__monthly_tax' and org_xref.record_id = tax.row_id || '#self'
    where tax.period_start > {{ as_of_date() }} - interval 1 year
      and tax.period_start <= {{ as_of_date() }}
    group by org_xref.org_id

),

insured as (

    select
        org_xref.org_id,
        count(distinct insured.id_number) filter (where insured.status = '参保缴费') as insured_employees
    from {{ ref('stg_renshe__insured_person') }} as insured
    inner join org_xref
        on org_xref.source = 'renshe__insured_person' and org_xref.record_id = insured.row_id || '#employer'
    where insured.is_current
    group by org_xref.org_id

),

projects as (

    select
        org_xref.org_id,
        count(*) as investment_projects,
        sum(projects.total_investment) as total_investment_wan_yuan
    from {{ ref('stg_fagai__investment_project') }} as projects
    inner join org_xref
        on org_xref.source = 'fagai__investment_project' and org_xref.record_id = projects.row_id || '#owner'
    where projects.is_current
    group by org_xref.org_id

),

land as (

    select
        org_xref.org_id,
        count(*) as land_parcels,
        sum(parcels.area_m2) as land_area_m2
    from {{ ref('stg_ziranziyuan__land_parcel') }} as parcels
    inner join org_xref
        on org_xref.source = 'ziranziyuan__land_parcel' and org_xref.record_id = parcels.row_id || '#owner'
    where parcels.is_current
    group by org_xref.org_id

),

elicences as (

    select org_id, count(*) filter (where is_valid_as_of) as elicences_valid
    from {{ ref('elicence') }}
    where org_id is not null
    group by org_id

),

final as (

    select
        organization.org_id,
        organization.name,
        organization.uscc,
        organization.org_kind,
        organization.org_type,
        organization.industry,
        industries.section_code as industry_section_code,
        industries.section_name as industry_section_name,
        organization.township_code,
        divisions.division_name as township_name,
        organization.established,
        organization.is_active,
        organization.registered_capital as registered_capital_wan_yuan,
        organization.legal_rep,
        organization.legal_rep_person_id,
        annual_reports.report_year,
        annual_reports.employees,
        cast(annual_reports.revenue as decimal(20, 2)) as revenue_wan_yuan,
        cast(annual_reports.total_assets as decimal(20, 2)) as total_assets_wan_yuan,
        cast(annual_reports.tax_paid as decimal(20, 2)) as reported_tax_wan_yuan,
        cast(coalesce(taxes.tax_paid_12m_wan_yuan, 0) as decimal(20, 4)) as tax_paid_12m_wan_yuan,
        coalesce(insured.insured_employees, 0) as insured_employees,
        coalesce(projects.investment_projects, 0) as investment_projects,
        cast(coalesce(projects.total_investment_wan_yuan, 0) as decimal(20, 2)) as total_investment_wan_yuan,
        coalesce(land.land_parcels, 0) as land_parcels,
        cast(coalesce(land.land_area_m2, 0) as decimal(20, 2)) as land_area_m2,
        credit.licences_in_force,
        coalesce(elicences.elicences_valid, 0) as elicences_valid,
        credit.penalty_count,
        credit.credit_class,
        {{ as_of_date() }} as as_of_date
    from organization
    left join credit using (org_id)
    left join divisions on divisions.division_code = organization.township_code
    left join industries on industries.industry_name = organization.industry
    left join annual_reports using (org_id)
    left join taxes using (org_id)
    left join insured using (org_id)
    left join projects using (org_id)
    left join land using (org_id)
    left join elicences using (org_id)

)

select * from final
