-- Generated from pipelines/contracts by pipelines/dbt_codegen.py: do not edit.
-- 行政许可信息（双公示） (县行政审批服务局)
with source as (

    select * from {{ source('shenpi', 'licence') }}

),

staged as (

    select {{ stage_contract_columns('shenpi', 'licence') }}
    from source

)

select * from staged
