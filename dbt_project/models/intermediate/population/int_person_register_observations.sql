{{ config(materialized='table', pre_hook=write_uncompressed(), post_hook=write_compressed()) }}
-- Every row of every household-register snapshot, each tied to its resolved person: the
-- register's observations of a person's residence, household and marital status over time,
-- from which person history is built. A current row carries its own person (er.person_xref);
-- an earlier row is tied by the register's key (the ID number) to the person of the current
-- row with that number, else to the person most resolved records with that number belong to. A row's file and line stay
-- in the staging model (cited by record_id).
with register as (

    select * from {{ ref('stg_gongan__household_register') }}

),

xref as (

    select * from {{ source('er', 'person_xref') }}
    where source = 'gongan__household_register'

),

resolved as (

    select * from {{ ref('int_person_records_resolved') }}

),

current_persons as (

    select register.row_id, xref.person_id
    from register
    inner join xref on xref.record_id = register.row_id || '#self'
    where register.is_current

),

person_by_register_key as (

    select register.id_number, min(xref.person_id) as person_id
    from register
    inner join xref on xref.record_id = register.row_id || '#self'
    where register.is_current and register.id_number is not null
    group by register.id_number

),

unmapped_numbers as (

    -- numbers of earlier-snapshot rows that no current row carries
    select distinct register.id_number
    from register
    anti join person_by_register_key using (id_number)
    where register.id_number is not null

),

person_by_id_number as (

    select resolved.id_number, resolved.person_id
    from resolved
    inner join unmapped_numbers on unmapped_numbers.id_number = resolved.id_number
    group by resolved.id_number, resolved.person_id
    qualify row_number() over (partition by resolved.id_number order by count(*) desc, resolved.person_id) = 1

),

observations as (

    select
        coalesce(current_persons.person_id, person_by_register_key.person_id, person_by_id_number.person_id)
            as person_id,
        register.row_id || '#self' as record_id,
        register.delivery_date,
        register.is_current,
        register.household_no,
        register.relation_to_head,
        register.division_code,
        left(register.division_code, 9) as township_code,
        register.address,
        register.marital_status,
        register.ethnicity,
        register.status as register_status,
        register.registered_date
    from register
    -- a current row is its own resolution record
    left join current_persons on current_persons.row_id = register.row_id
    left join person_by_register_key on person_by_register_key.id_number = register.id_number
    left join person_by_id_number on person_by_id_number.id_number = register.id_number

),

final as (

    -- A person listed twice in one snapshot (a double entry) counts once: the first row.
    select *
    from observations
    where person_id is not null
    qualify row_number() over (partition by person_id, delivery_date order by record_id) = 1

)

select * from final
