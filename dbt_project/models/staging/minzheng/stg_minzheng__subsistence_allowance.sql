-- Generated from pipelines/contracts by pipelines/dbt_codegen.py: do not edit.
-- 最低生活保障金发放 (县民政局)
with source as (

    select * from {{ source('minzheng', 'subsistence_allowance') }}

),

staged as (

    select {{ stage_contract_columns('minzheng', 'subsistence_allowance') }}
    from source

)

select * from staged
