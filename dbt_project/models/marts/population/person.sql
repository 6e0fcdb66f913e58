-- The golden person: one row per resolved person, every attribute chosen by the survivorship
-- rules (var 'survivorship') with the source that supplied it. Sex and birth date are those the
-- golden ID number encodes when it is valid (GB 11643); a source that agrees is named as their
-- source, otherwise `derived:id_number`.
with residence as (

    select * from {{ ref('int_person_residence') }}

),

deaths as (

    select * from {{ ref('int_person_deaths') }}

),

choices as (

    -- one row per resolved person: the survivorship choices and the record counts
    select * from {{ ref('int_person_golden_choices') }}

),

joined as (

    select
        choices.person_id,
        choices.name,
        choices.name_source,
        choices.id_number,
        choices.id_number_source,
        choices.is_id_number_valid,
        choices.gender as source_gender,
        choices.gender_source as source_gender_source,
        choices.is_gender_valid as is_source_gender_valid,
        choices.birth_date as source_birth_date,
        choices.birth_date_source as source_birth_date_source,
        choices.is_birth_date_valid as is_source_birth_date_valid,
        case when choices.is_id_number_valid then {{ sql_id_gender('choices.id_number') }} end as id_gender,
        case when choices.is_id_number_valid then {{ sql_id_birth_date('choices.id_number') }} end as id_birth_date,
        choices.phone,
        choices.phone_source,
        choices.address,
        choices.address_source,
        residence.household_no,
        residence.relation_to_head,
        residence.division_code,
        residence.township_code,
        residence.register_status,
        residence.marital_status,
        residence.ethnicity,
        residence.registered_date,
        deaths.death_date,
        deaths.death_date_source,
        deaths.person_id is not null as is_reported_dead,
        choices.record_count,
        choices.source_count,
        choices.first_delivery_date,
        choices.last_delivery_date,
        choices.has_residence_permit
    from choices
    left join residence using (person_id)
    left join deaths using (person_id)

),

golden as (

    select
        -- ids
        person_id,
        -- identity
        name,
        name_source,
        id_number,
        id_number_source,
        -- GB 11643: a valid ID number encodes sex and birth date, so a source contradicting the
        -- golden number gives way to it; without one, a birth date after the as-of date is no
        -- birth date
        coalesce(id_gender, source_gender) as gender,
        case
            when id_gender is null then source_gender_source
            when source_gender = id_gender then source_gender_source
            else 'derived:id_number'
        end as gender_source,
        case
            when id_birth_date is not null then id_birth_date
            when source_birth_date <= {{ as_of_date() }} then source_birth_date
        end as birth_date,
        case
            when id_birth_date is null and source_birth_date <= {{ as_of_date() }} then source_birth_date_source
            when id_birth_date is null then null
            when source_birth_date = id_birth_date then source_birth_date_source
            else 'derived:id_number'
        end as birth_date_source,
        -- contact and residence
        phone,
        phone_source,
        address,
        address_source,
        household_no,
        township_code,
        register_status,
        -- counts
        record_count,
        source_count,
        -- added by the libraries issue
        coalesce(is_id_number_valid, false) as is_id_number_valid,
        ethnicity,
        case when ethnicity is not null then 'gongan__household_register' end as ethnicity_source,
        marital_status,
        case when marital_status is not null then 'gongan__household_register' end as marital_status_source,
        relation_to_head,
        division_code,
        case when household_no is not null then 'gongan__household_register' end as household_source,
        registered_date,
        death_date,
        death_date_source,
        not is_reported_dead and coalesce(register_status, '') <> '死亡' as is_alive,
        coalesce(register_status = '正常', false) as is_registered_resident,
        has_residence_permit,
        first_delivery_date,
        last_delivery_date
    from joined

)

select * from golden
