-- Generated from pipelines/contracts by pipelines/dbt_codegen.py: do not edit.
-- 养老保险参保人员 (县人力资源和社会保障局)
with source as (

    select * from {{ source('renshe', 'insured_person') }}

),

staged as (

    select {{ stage_contract_columns('renshe', 'insured_person') }}
    from source

)

select * from staged
