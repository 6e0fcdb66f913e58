-- Generated from pipelines/contracts by pipelines/dbt_codegen.py: do not edit.
-- 居民用电客户 (县供电公司)
with source as (

    select * from {{ source('gongdian', 'account') }}

),

staged as (

    select {{ stage_contract_columns('gongdian', 'account') }}
    from source

)

select * from staged
