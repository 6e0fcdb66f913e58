-- Generated from pipelines/contracts by pipelines/dbt_codegen.py: do not edit.
-- 户籍人口信息 (县公安局)
with source as (

    select * from {{ source('gongan', 'household_register') }}

),

staged as (

    select {{ stage_contract_columns('gongan', 'household_register') }}
    from source

)

select * from staged
