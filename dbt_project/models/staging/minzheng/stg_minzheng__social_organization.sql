-- Generated from pipelines/contracts by pipelines/dbt_codegen.py: do not edit.
-- 社会组织登记信息 (县民政局)
with source as (

    select * from {{ source('minzheng', 'social_organization') }}

),

staged as (

    select {{ stage_contract_columns('minzheng', 'social_organization') }}
    from source

)

select * from staged
