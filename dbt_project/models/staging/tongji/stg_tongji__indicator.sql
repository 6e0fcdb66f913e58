-- Generated from pipelines/contracts by pipelines/dbt_codegen.py: do not edit.
-- 主要统计指标 (县统计局)
with source as (

    select * from {{ source('tongji', 'indicator') }}

),

staged as (

    select {{ stage_contract_columns('tongji', 'indicator') }}
    from source

)

select * from staged
