-- Generated from pipelines/contracts by pipelines/dbt_codegen.py: do not edit.
-- 企业登记信息 (县市场监督管理局)
with source as (

    select * from {{ source('shichang', 'enterprise') }}

),

staged as (

    select {{ stage_contract_columns('shichang', 'enterprise') }}
    from source

)

select * from staged
