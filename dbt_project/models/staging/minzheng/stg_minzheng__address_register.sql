-- Generated from pipelines/contracts by pipelines/dbt_codegen.py: do not edit.
-- 标准地名地址 (县民政局)
with source as (

    select * from {{ source('minzheng', 'address_register') }}

),

staged as (

    select {{ stage_contract_columns('minzheng', 'address_register') }}
    from source

)

select * from staged
