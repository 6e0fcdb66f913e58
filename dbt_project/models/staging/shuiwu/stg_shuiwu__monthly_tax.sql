-- Generated from pipelines/contracts by pipelines/dbt_codegen.py: do not edit.
-- 税收入库明细 (县税务局)
with source as (

    select * from {{ source('shuiwu', 'monthly_tax') }}

),

staged as (

    select {{ stage_contract_columns('shuiwu', 'monthly_tax') }}
    from source

)

select * from staged
