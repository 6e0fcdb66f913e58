-- Generated from pipelines/contracts by pipelines/dbt_codegen.py: do not edit.
-- 婚姻登记信息 (县民政局)
with source as (

    select * from {{ source('minzheng', 'marriage_registration') }}

),

staged as (

    select {{ stage_contract_columns('minzheng', 'marriage_registration') }}
    from source

)

select * from staged
