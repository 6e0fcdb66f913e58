-- Generated from pipelines/contracts by pipelines/dbt_codegen.py: do not edit.
-- 红黑名单 (县信用办)
with source as (

    select * from {{ source('xinyong', 'credit_list') }}

),

staged as (

    select {{ stage_contract_columns('xinyong', 'credit_list') }}
    from source

)

select * from staged
