{{ config(materialized='table', pre_hook=write_uncompressed(), post_hook=write_compressed()) }}
-- Person records (int_person_records) with their resolved person id, typed values, the checks
-- survivorship uses (is the ID number valid, do gender and birth date agree with it) and how
-- complete each record is. Only what survivorship needs: a record's file, batch and line stay
-- in int_person_records (joined by record_seq where a library cites them).
with xref as {{ cte_hint('not materialized') }} (

    select * from {{ source('er', 'person_xref') }}

),

records as {{ cte_hint('not materialized') }} (

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
        records.record_seq,
        records.name,
        records.id_number,
        records.gender,
        try_cast(records.birth_date as date) as birth_date,
        records.phone,
        -- an address that matches a standard address is spelled as the register spells it
        coalesce(address_matches.standard_address, records.address) as address,
        -- checked when it matches one standard address (not only its street)
        coalesce(address_matches.match_level in ('exact', 'tail', 'fuzzy'), false) as is_address_valid,
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

id_checks as (

    -- GB 11643 once per distinct number (macros/standards_sql.sql): validity, and the birth date
    -- and sex a valid number encodes
    select
        id_number,
        {{ sql_id_number_valid('id_number', birth_date='encoded_birth_date') }} as is_id_number_valid,
        encoded_birth_date,
        {{ sql_id_gender('id_number') }} as encoded_gender
    from (
        select id_number, {{ sql_id_birth_date('id_number') }} as encoded_birth_date
        from (select distinct id_number from records where id_number is not null) as numbers
    ) as dated

),

phone_checks as (

    select phone, {{ sql_phone_valid('phone') }} as is_phone_valid
    from (select distinct phone from records where phone is not null) as phones

),

final as (

    select
        resolved.*,
        coalesce(id_checks.is_id_number_valid, false) as is_id_number_valid,
        case when id_checks.is_id_number_valid then id_checks.encoded_birth_date end as id_birth_date,
        case when id_checks.is_id_number_valid then id_checks.encoded_gender end as id_gender,
        resolved.gender in ('1', '2')
            and (not coalesce(id_checks.is_id_number_valid, false) or resolved.gender = id_checks.encoded_gender)
            as is_gender_valid,
        resolved.birth_date <= {{ as_of_date() }}
            and (not coalesce(id_checks.is_id_number_valid, false) or resolved.birth_date = id_checks.encoded_birth_date)
            as is_birth_date_valid,
        coalesce(phone_checks.is_phone_valid, false) as is_phone_valid
    from resolved
    left join id_checks on id_checks.id_number = resolved.id_number
    left join phone_checks on phone_checks.phone = resolved.phone

)

select * from final
