-- Generated from pipelines/contracts by pipelines/dbt_codegen.py: do not edit.
-- 宗地 (县自然资源局)
with source as (

    select * from {{ source('ziranziyuan', 'land_parcel') }}

),

staged as (

    select {{ stage_contract_columns('ziranziyuan', 'land_parcel') }}
    from source

)

select * from staged
