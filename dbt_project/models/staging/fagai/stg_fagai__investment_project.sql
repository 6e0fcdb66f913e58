-- Generated from pipelines/contracts by pipelines/dbt_codegen.py: do not edit.
-- 固定资产投资项目 (县发展和改革局)
with source as (

    select * from {{ source('fagai', 'investment_project') }}

),

staged as (

    select {{ stage_contract_columns('fagai', 'investment_project') }}
    from source

)

select * from staged
