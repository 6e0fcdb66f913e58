{{ config(materialized='table') }}
-- Person records (int_person_records) with their resolved person id, typed values, the checks
-- survivorship uses (is the ID number valid, do gender and birth date agree with it) and how
-- complete each record is.
with xref as (

    select * from {{ source('er', 'person_xref') }}

),

records as (

    select * from {{ ref('int_person_records') }}

),

address_matches as (

    select * from {{ ref('int_address_matches') }}

),

resolved as (

    select
        xref.person_id,
        records.source,
        records.record_id,
        records.role,
        {{ row_id_of('records.record_id') }} as row_id,
        records.name,
        records.id_number,
        records.gender,
        try_cast(records.birth_date as date) as birth_date,
        records.phone,
        -- an address that matches a standard address is spelled as the register spells it
        coalesce(address_matches.standard_address, records.address) as address,
        records.address as address_delivered,
        address_matches.address_code,
        coalesce(address_matches.match_level, 'none') as address_match_level,
        records.batch_id,
        records.source_file,
        records.source_line,
        records.delivery_date,
        (case when records.name is not null then 1 else 0 end)
        + (case when records.id_number is not null then 1 else 0 end)
        + (case when records.gender is not null then 1 else 0 end)
        + (case when records.birth_date is not null then 1 else 0 end)
        + (case when records.phone is not null then 1 else 0 end)
        + (case when records.address is not null then 1 else 0 end) as completeness
    from records
    inner join xref
        on records.source = xref.source and records.record_id = xref.record_id
    left join address_matches on address_matches.address = records.address

),

checked as (

    select
        *,
        {{ sql_id_number_valid('id_number') }} as is_id_number_valid
    from resolved

),

derived as (

    -- GB 11643: birth date and sex read from a valid number (macros/standards_sql.sql)
    select
        *,
        case when is_id_number_valid then {{ sql_id_birth_date('id_number') }} end as id_birth_date,
        case when is_id_number_valid then {{ sql_id_gender('id_number') }} end as id_gender
    from checked

),

final as (

    select
        *,
        gender in ('1', '2') and (id_gender is null or gender = id_gender) as is_gender_valid,
        birth_date <= {{ as_of_date() }}
            and (id_birth_date is null or birth_date = id_birth_date) as is_birth_date_valid,
        {{ sql_phone_valid('phone') }} as is_phone_valid,
        -- an address is checked when it matches one standard address (not only its street)
        address_match_level in ('exact', 'tail', 'fuzzy') as is_address_valid
    from derived

)

select * from final
