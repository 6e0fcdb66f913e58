-- Generated from pipelines/contracts by pipelines/dbt_codegen.py: do not edit.
-- 死亡火化信息 (县民政局)
with source as (

    select * from {{ source('minzheng', 'death_cremation') }}

),

staged as (

    select {{ stage_contract_columns('minzheng', 'death_cremation') }}
    from source

)

select * from staged
