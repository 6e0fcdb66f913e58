-- Generated from pipelines/contracts by pipelines/dbt_codegen.py: do not edit.
-- 居住证办理信息 (县公安局)
with source as (

    select * from {{ source('gongan', 'residence_permit') }}

),

staged as (

    select {{ stage_contract_columns('gongan', 'residence_permit') }}
    from source

)

select * from staged
