-- Generated from pipelines/contracts by pipelines/dbt_codegen.py: do not edit.
-- Every person-bearing record for resolution: the current snapshot of snapshot
-- sources plus every row of incremental sources, one record per party role.
with records as (

    select
        'gongan__household_register' as source,
        row_id || '#self' as record_id,
        'self' as role,
        cast(name as varchar) as name,
        cast(id_number as varchar) as id_number,
        cast(gender as varchar) as gender,
        cast(birth_date as varchar) as birth_date,
        cast(phone as varchar) as phone,
        cast(address as varchar) as address,
        batch_id,
        source_file,
        source_line,
        delivery_date
    from {{ ref('stg_gongan__household_register') }}
    where is_current
      and coalesce(name, id_number, gender, birth_date, phone, address) is not null

)

select * from records
