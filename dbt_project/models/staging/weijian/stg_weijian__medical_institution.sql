-- Generated from pipelines/contracts by pipelines/dbt_codegen.py: do not edit.
-- 医疗机构执业登记 (县卫生健康局)
with source as (

    select * from {{ source('weijian', 'medical_institution') }}

),

staged as (

    select {{ stage_contract_columns('weijian', 'medical_institution') }}
    from source

)

select * from staged
