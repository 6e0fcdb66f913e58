-- Generated from pipelines/contracts by pipelines/dbt_codegen.py: do not edit.
-- Every organisation-bearing record for resolution: the current snapshot of snapshot
-- sources plus every row of incremental sources, one record per party role.
with records as (

    select cast(null as varchar) as source, cast(null as varchar) as record_id, cast(null as varchar) as role, cast(null as varchar) as name, cast(null as varchar) as uscc, cast(null as varchar) as legal_rep, cast(null as varchar) as address, cast(null as varchar) as phone, cast(null as varchar) as established, cast(null as varchar) as batch_id, cast(null as varchar) as source_file, cast(null as varchar) as source_line, cast(null as date) as delivery_date where false

)

select * from records
