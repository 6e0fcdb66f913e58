-- The golden organisation (法人单位): one row per resolved organisation, every attribute chosen by
-- the survivorship rules (var 'survivorship') with the source that supplied it, the legal
-- representative linked to the golden person, and the registration details of the register
-- that ranks first for the organisation's name.
with resolved as (

    select * from {{ ref('int_org_records_resolved') }}

),

choices as {{ cte_hint('not materialized') }} (

    select * from {{ ref('int_org_golden_choices') }}

),

registry as {{ cte_hint('not materialized') }} (

    select * from {{ ref('int_org_registry_observations') }}
    where is_current

),

person as {{ cte_hint('not materialized') }} (

    select person_id, name, township_code, is_alive from {{ ref('person') }}

),

orgs as (

    select
        org_id,
        count(*) as record_count,
        count(distinct source) as source_count,
        cast(min(delivery_date) as date) as first_delivery_date,
        cast(max(delivery_date) as date) as last_delivery_date
    from resolved
    group by org_id

),

primary_register as (

    select *
    from registry
    where source <> 'shuiwu__taxpayer'
    qualify row_number() over (
        partition by org_id order by {{ source_rank('org', 'name') }}, delivery_date desc, row_id
    ) = 1

),

tax_register as (

    select org_id, industry, registration_status as tax_status
    from registry
    where source = 'shuiwu__taxpayer'
    qualify row_number() over (partition by org_id order by delivery_date desc, row_id) = 1

),

representatives as (

    select record_seq, legal_rep_person_id from resolved

),

addresses as (

    select record_seq, address_code, address_township_code from resolved

),

named_representatives as (

    -- A register that names the representative without an ID number (health's medical
    -- institutions) is linked by name: to the one living person of that name, else to the one
    -- of that name in the organisation's township; an ambiguous name stays unlinked.
    select
        choices.org_id,
        person.person_id,
        count(*) over (partition by choices.org_id) as n_named,
        count(*) filter (where person.township_code = addresses.address_township_code)
            over (partition by choices.org_id) as n_named_in_township,
        person.township_code = addresses.address_township_code as is_in_township
    from choices
    inner join representatives on representatives.record_seq = choices.legal_rep_record_seq
    left join addresses on addresses.record_seq = choices.address_record_seq
    inner join person on person.name = choices.legal_rep and person.is_alive
    where representatives.legal_rep_person_id is null

),

linked_by_name as (

    select
        org_id,
        person_id,
        case when n_named = 1 then 'name' else 'name_township' end as link_method
    from named_representatives
    where n_named = 1 or (n_named_in_township = 1 and is_in_township)

),

golden as (

    select
        -- ids
        orgs.org_id,
        -- identity
        choices.name,
        choices.name_source,
        choices.uscc,
        choices.uscc_source,
        coalesce(choices.is_uscc_valid, false) as is_uscc_valid,
        left(choices.uscc, 2) as uscc_category,
        coalesce(primary_register.register_kind, case when tax_register.org_id is not null then '纳税人' end, '其他')
            as org_kind,
        primary_register.org_type,
        -- representative, linked to the population library
        choices.legal_rep,
        choices.legal_rep_source,
        coalesce(person.person_id, linked_by_name.person_id) as legal_rep_person_id,
        case when person.person_id is not null then 'record' else linked_by_name.link_method end
            as legal_rep_link_method,
        -- seat and contact
        choices.address,
        choices.address_source,
        addresses.address_code,
        addresses.address_township_code as township_code,
        choices.phone,
        choices.phone_source,
        -- registration
        choices.established,
        choices.established_source,
        primary_register.registration_status,
        primary_register.deregistered_date,
        primary_register.registered_capital,
        tax_register.industry,
        primary_register.source as registration_source,
        coalesce(primary_register.registration_status, tax_register.tax_status, '') not in ('注销', '吊销', '非正常')
            and primary_register.deregistered_date is null as is_active,
        -- counts
        orgs.record_count,
        orgs.source_count,
        orgs.first_delivery_date,
        orgs.last_delivery_date
    from orgs
    left join choices using (org_id)
    left join primary_register using (org_id)
    left join tax_register using (org_id)
    left join representatives on representatives.record_seq = choices.legal_rep_record_seq
    left join person on person.person_id = representatives.legal_rep_person_id
    left join linked_by_name using (org_id)
    left join addresses on addresses.record_seq = choices.address_record_seq

)

select * from golden
