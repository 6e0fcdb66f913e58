-- Generated from pipelines/contracts by pipelines/dbt_codegen.py: do not edit.
-- 纳税人登记信息 (县税务局)
with source as (

    select * from {{ source('shuiwu', 'taxpayer') }}

),

staged as (

    select {{ stage_contract_columns('shuiwu', 'taxpayer') }}
    from source

)

select * from staged
