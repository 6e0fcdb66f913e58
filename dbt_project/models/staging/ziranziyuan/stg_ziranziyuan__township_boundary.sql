-- Generated from pipelines/contracts by pipelines/dbt_codegen.py: do not edit.
-- 乡镇行政区界线 (县自然资源局)
with source as (

    select * from {{ source('ziranziyuan', 'township_boundary') }}

),

staged as (

    select {{ stage_contract_columns('ziranziyuan', 'township_boundary') }}
    from source

)

select * from staged
