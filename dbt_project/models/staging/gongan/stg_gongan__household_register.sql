-- Generated from pipelines/contracts by pipelines/dbt_codegen.py: do not edit.
-- 户籍人口信息 (县公安局)
-- depends_on: {{ source('gongan', 'household_register') }}
{{ stage_contract('gongan', 'household_register') }}
