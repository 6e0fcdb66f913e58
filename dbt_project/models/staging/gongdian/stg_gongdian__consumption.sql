-- Generated from pipelines/contracts by pipelines/dbt_codegen.py: do not edit.
-- 月度用电量 (县供电公司)
with source as (

    select * from {{ source('gongdian', 'consumption') }}

),

staged as (

    select {{ stage_contract_columns('gongdian', 'consumption') }}
    from source

)

select * from staged
