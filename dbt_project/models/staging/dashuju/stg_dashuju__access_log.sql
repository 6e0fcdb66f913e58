-- Generated from pipelines/contracts by pipelines/dbt_codegen.py: do not edit.
-- 系统访问日志 (县大数据中心)
with source as (

    select * from {{ source('dashuju', 'access_log') }}

),

staged as (

    select {{ stage_contract_columns('dashuju', 'access_log') }}
    from source

)

select * from staged
