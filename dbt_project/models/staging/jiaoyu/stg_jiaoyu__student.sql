-- Generated from pipelines/contracts by pipelines/dbt_codegen.py: do not edit.
-- 中小学学籍信息 (县教育和体育局)
with source as (

    select * from {{ source('jiaoyu', 'student') }}

),

staged as (

    select {{ stage_contract_columns('jiaoyu', 'student') }}
    from source

)

select * from staged
