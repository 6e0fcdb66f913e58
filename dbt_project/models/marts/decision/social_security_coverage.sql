-- 社会保障覆盖 (social-security coverage): per township, the living golden persons of working age
-- (16-59) and of pension age (60+), how many of them are insured (contributing) or draw a
-- pension in the current insured-person list, by scheme, and the subsistence allowance paid in
-- the latest month delivered. Grain: one row per current township.
with townships as (

    select division_code as township_code, division_name as township_name
    from {{ ref('division') }}
    where level = 'township' and is_current

),

people as {{ cte_hint('not materialized') }} (

    select * from {{ ref('int_person_township') }}
    where is_alive

),

person_xref as {{ cte_hint('not materialized') }} (

    select * from {{ source('er', 'person_xref') }}

),

insured as (

    -- each person's current insurance: contributing, drawing a pension, by scheme
    select
        person_xref.person_id,
        bool_or(insured.status = '参保缴费') as is_contributing,
        bool_or(insured.status = '待遇领取') as is_pensioner,
        bool_or(insured.insurance_type = '企业职工基本养老保险' and insured.status in ('参保缴费', '待遇领取'))
            as is_employee_scheme,
        bool_or(insured.insurance_type = '城乡居民基本养老保险' and insured.status in ('参保缴费', '待遇领取'))
            as is_resident_scheme
    from {{ ref('stg_renshe__insured_person') }} as insured
    inner join person_xref
        on person_xref.source = 'renshe__insured_person' and person_xref.record_id = insured.row_id || '#self'
    where insured.is_current
    group by person_xref.person_id

),

allowance_month as (

    select max(month) as month from {{ ref('stg_minzheng__subsistence_allowance') }}

),

allowances as (

    select
        people.township_code,
        count(distinct person_xref.person_id) as subsistence_households,
        sum(allowance.covered_persons) as subsistence_persons,
        sum(allowance.amount) as subsistence_amount_yuan
    from {{ ref('stg_minzheng__subsistence_allowance') }} as allowance
    inner join allowance_month on allowance.month = allowance_month.month
    inner join person_xref
        on person_xref.source = 'minzheng__subsistence_allowance' and person_xref.record_id = allowance.row_id || '#self'
    inner join people on people.person_id = person_xref.person_id
    group by people.township_code

),

coverage as (

    select
        people.township_code,
        count(*) filter (where people.age between 16 and 59) as working_age,
        count(*) filter (where people.age between 16 and 59 and insured.is_contributing) as working_age_contributing,
        count(*) filter (where people.age >= 60) as pension_age,
        count(*) filter (where people.age >= 60 and insured.is_pensioner) as pension_age_receiving,
        count(*) filter (where insured.is_employee_scheme) as employee_scheme_members,
        count(*) filter (where insured.is_resident_scheme) as resident_scheme_members,
        count(insured.person_id) as insured_persons
    from people
    left join insured using (person_id)
    where people.township_code is not null
    group by people.township_code

),

final as (

    select
        townships.township_code,
        townships.township_name,
        coalesce(coverage.working_age, 0) as working_age,
        coalesce(coverage.working_age_contributing, 0) as working_age_contributing,
        {{ round_double('cast(100 as double) * coverage.working_age_contributing / nullif(coverage.working_age, 0)', 2) }}
            as contribution_coverage_pct,
        coalesce(coverage.pension_age, 0) as pension_age,
        coalesce(coverage.pension_age_receiving, 0) as pension_age_receiving,
        {{ round_double('cast(100 as double) * coverage.pension_age_receiving / nullif(coverage.pension_age, 0)', 2) }}
            as pension_coverage_pct,
        coalesce(coverage.employee_scheme_members, 0) as employee_scheme_members,
        coalesce(coverage.resident_scheme_members, 0) as resident_scheme_members,
        coalesce(coverage.insured_persons, 0) as insured_persons,
        coalesce(allowances.subsistence_households, 0) as subsistence_households,
        cast(coalesce(allowances.subsistence_persons, 0) as bigint) as subsistence_persons,
        cast(coalesce(allowances.subsistence_amount_yuan, 0) as decimal(20, 2)) as subsistence_amount_yuan,
        (select month from allowance_month) as subsistence_month,
        {{ as_of_date() }} as as_of_date
    from townships
    left join coverage using (township_code)
    left join allowances using (township_code)

)

select * from final
