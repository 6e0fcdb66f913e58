{{ config(materialized='table') }}
-- Every row of every household-register snapshot, each tied to its resolved person: the
-- register's observations of a person's residence, household and marital status over time,
-- from which person history is built. Rows of the current snapshot carry their own person id
-- (er.person_xref); rows of earlier snapshots, which resolution does not see, get the person of
-- the current row with the same register key (the ID number), else of any resolved record with
-- that ID number.
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

current_rows as (

    select register.row_id, register.id_number, xref.person_id
    from register
    inner join xref on xref.record_id = register.row_id || '#self'
    where register.is_current

),

person_by_register_key as (

    select id_number, person_id
    from current_rows
    where id_number is not null
    qualify row_number() over (partition by id_number order by person_id) = 1

),

unmapped_numbers as (

    -- ID numbers of earlier-snapshot rows that neither a current row nor the register key maps
    select distinct register.id_number
    from register
    left join current_rows on current_rows.row_id = register.row_id
    left join person_by_register_key on person_by_register_key.id_number = register.id_number
    where current_rows.row_id is null
      and person_by_register_key.id_number is null
      and register.id_number is not null

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
        coalesce(current_rows.person_id, person_by_register_key.person_id, person_by_id_number.person_id)
            as person_id,
        register.row_id,
        register.row_id || '#self' as record_id,
        register.batch_id,
        register.source_file,
        register.source_line,
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
    left join current_rows on current_rows.row_id = register.row_id
    left join person_by_register_key on person_by_register_key.id_number = register.id_number
    left join person_by_id_number on person_by_id_number.id_number = register.id_number

),

final as (

    -- A person listed twice in one snapshot (a double entry) counts once: the first row.
    select *
    from observations
    where person_id is not null
    qualify row_number() over (
        partition by person_id, delivery_date order by source_file, row_id
    ) = 1

)

select * from final
