-- Generated from pipelines/contracts by pipelines/dbt_codegen.py: do not edit.
-- 法人电子证照 (电子证照库)
with source as (

    select * from {{ source('dzzz', 'org_licence') }}

),

staged as (

    select {{ stage_contract_columns('dzzz', 'org_licence') }}
    from source

)

select * from staged
