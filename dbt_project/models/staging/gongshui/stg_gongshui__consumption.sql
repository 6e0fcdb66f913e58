-- Generated from pipelines/contracts by pipelines/dbt_codegen.py: do not edit.
-- 月度用水量 (县自来水公司)
with source as (

    select * from {{ source('gongshui', 'consumption') }}

),

staged as (

    select {{ stage_contract_columns('gongshui', 'consumption') }}
    from source

)

select * from staged
