-- Generated from pipelines/contracts by pipelines/dbt_codegen.py: do not edit.
-- 死亡医学证明 (县卫生健康局)
with source as (

    select * from {{ source('weijian', 'death_certificate') }}

),

staged as (

    select {{ stage_contract_columns('weijian', 'death_certificate') }}
    from source

)

select * from staged
