-- Generated from pipelines/contracts by pipelines/dbt_codegen.py: do not edit.
-- 社保缴费及待遇发放 (县人力资源和社会保障局)
with source as (

    select * from {{ source('renshe', 'payments') }}

),

staged as (

    select {{ stage_contract_columns('renshe', 'payments') }}
    from source

)

select * from staged
