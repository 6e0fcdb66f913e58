-- Generated from pipelines/contracts by pipelines/dbt_codegen.py: do not edit.
-- 用水户档案 (县自来水公司)
with source as (

    select * from {{ source('gongshui', 'account') }}

),

staged as (

    select {{ stage_contract_columns('gongshui', 'account') }}
    from source

)

select * from staged
