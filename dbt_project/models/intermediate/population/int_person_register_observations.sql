{{ config(materialized='table', pre_hook=write_uncompressed(), post_hook=write_compressed()) }}
-- Every row of every household-register snapshot, each tied to its resolved person: the
-- register's observations of a person's residence, household and marital status over time,
-- from which person history is built. A current row carries its own person (er.person_xref);
-- an earlier row is tied by the register's key (the ID number) to the person of the current
-- row with that number, else to the person most resolved records with that number belong to. A row's file and line stay
-- in the staging model (cited by record_id).
with register as {{ cte_hint('not materialized') }} (

    -- read where used (a CTE read several times would otherwise be copied first)
    select * from {{ ref('stg_gongan__household_register') }}

),

xref as {{ cte_hint('not materialized') }} (

    select * from {{ source('er', 'person_xref') }}
    where source = 'gongan__household_register'

),

resolved as {{ cte_hint('not materialized') }} (

    select * from {{ ref('int_person_records_resolved') }}

),

current_persons as {{ cte_hint('materialized') }} (

    -- the current snapshot's rows with their own resolved person
    select register.row_id, register.id_number, xref.person_id
    from register
    inner join xref on xref.record_id = register.row_id || '#self'
    where register.is_current

),

person_by_register_key as (

    select id_number, min(person_id) as person_id
    from current_persons
    where id_number is not null
    group by id_number

),

unmapped_numbers as (

    -- numbers of earlier-snapshot rows that no current row carries
    select distinct register.id_number
    from register
    anti join person_by_register_key using (id_number)
    where register.id_number is not null

),

person_by_id_number as (

    select id_number, person_id
    from (
        select resolved.id_number, resolved.person_id, count(*) as n_records
        from resolved
        inner join unmapped_numbers on unmapped_numbers.id_number = resolved.id_number
        group by resolved.id_number, resolved.person_id
    ) as counted
    qualify row_number() over (partition by id_number order by n_records desc, person_id) = 1

),

person_by_number as (

    -- the register key's person, else the person most records with that number belong to
    -- (the two never share a number: the second only holds numbers the first lacks)
    select id_number, person_id from person_by_register_key
    union all
    select id_number, person_id from person_by_id_number

),

current_rows as (

    -- a current row is its own resolution record; without one it is tied by its number
    select
        coalesce(current_persons.person_id, person_by_number.person_id) as person_id,
        register.*
    from register
    left join current_persons on current_persons.row_id = register.row_id
    left join person_by_number on person_by_number.id_number = register.id_number
    where register.is_current

),

earlier_rows as (

    select person_by_number.person_id, register.*
    from register
    left join person_by_number on person_by_number.id_number = register.id_number
    where not register.is_current

),

observations as {{ cte_hint('materialized') }} (

    select
        person_id,
        row_id || '#self' as record_id,
        delivery_date,
        is_current,
        household_no,
        relation_to_head,
        division_code,
        left(division_code, 9) as township_code,
        address,
        marital_status,
        ethnicity,
        status as register_status,
        registered_date
    from (
        select * from current_rows
        union all
        select * from earlier_rows
    ) as tied
    where person_id is not null

),

doubled as (

    select person_id, delivery_date
    from observations
    group by person_id, delivery_date
    having count(*) > 1

),

double_entries as (

    -- A person listed twice in one snapshot (a double entry) counts once: the first row.
    select person_id, delivery_date, min(record_id) as kept_record_id
    from observations
    semi join doubled using (person_id, delivery_date)
    group by person_id, delivery_date

),

final as (

    -- the columns named: a USING join's star puts the join keys first on Spark
    select
        observations.person_id,
        observations.record_id,
        observations.delivery_date,
        observations.is_current,
        observations.household_no,
        observations.relation_to_head,
        observations.division_code,
        observations.township_code,
        observations.address,
        observations.marital_status,
        observations.ethnicity,
        observations.register_status,
        observations.registered_date
    from observations
    left join double_entries using (person_id, delivery_date)
    where double_entries.kept_record_id is null or observations.record_id = double_entries.kept_record_id

)

select * from final
