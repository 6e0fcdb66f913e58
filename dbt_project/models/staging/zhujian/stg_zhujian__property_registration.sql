-- Generated from pipelines/contracts by pipelines/dbt_codegen.py: do not edit.
-- 房屋产权登记 (县住房和城乡建设局)
with source as (

    select * from {{ source('zhujian', 'property_registration') }}

),

staged as (

    select {{ stage_contract_columns('zhujian', 'property_registration') }}
    from source

)

select * from staged
