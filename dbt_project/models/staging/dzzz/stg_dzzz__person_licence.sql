-- Generated from pipelines/contracts by pipelines/dbt_codegen.py: do not edit.
-- 自然人电子证照 (电子证照库)
with source as (

    select * from {{ source('dzzz', 'person_licence') }}

),

staged as (

    select {{ stage_contract_columns('dzzz', 'person_licence') }}
    from source

)

select * from staged
