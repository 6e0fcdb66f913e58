-- Generated from pipelines/contracts by pipelines/dbt_codegen.py: do not edit.
-- 出生医学证明 (县卫生健康局)
with source as (

    select * from {{ source('weijian', 'birth_certificate') }}

),

staged as (

    select {{ stage_contract_columns('weijian', 'birth_certificate') }}
    from source

)

select * from staged
