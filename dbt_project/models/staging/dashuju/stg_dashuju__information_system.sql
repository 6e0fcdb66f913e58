-- Generated from pipelines/contracts by pipelines/dbt_codegen.py: do not edit.
-- 政务信息系统台账 (县大数据中心)
with source as (

    select * from {{ source('dashuju', 'information_system') }}

),

staged as (

    select {{ stage_contract_columns('dashuju', 'information_system') }}
    from source

)

select * from staged
