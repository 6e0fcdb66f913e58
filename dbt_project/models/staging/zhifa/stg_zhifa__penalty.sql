-- Generated from pipelines/contracts by pipelines/dbt_codegen.py: do not edit.
-- 行政处罚信息（双公示） (县综合行政执法局)
with source as (

    select * from {{ source('zhifa', 'penalty') }}

),

staged as (

    select {{ stage_contract_columns('zhifa', 'penalty') }}
    from source

)

select * from staged
