-- Generated from pipelines/contracts by pipelines/dbt_codegen.py: do not edit.
-- 企业年度报告 (县市场监督管理局)
with source as (

    select * from {{ source('shichang', 'annual_report') }}

),

staged as (

    select {{ stage_contract_columns('shichang', 'annual_report') }}
    from source

)

select * from staged
