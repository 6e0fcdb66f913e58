-- Generated from pipelines/contracts by pipelines/dbt_codegen.py: do not edit.
-- 个体工商户登记信息 (县市场监督管理局)
with source as (

    select * from {{ source('shichang', 'individual_business') }}

),

staged as (

    select {{ stage_contract_columns('shichang', 'individual_business') }}
    from source

)

select * from staged
