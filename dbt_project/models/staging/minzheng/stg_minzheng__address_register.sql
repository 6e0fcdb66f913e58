-- Generated from pipelines/contracts by pipelines/dbt_codegen.py: do not edit.
-- 标准地名地址 (县民政局)
-- depends_on: {{ source('minzheng', 'address_register') }}
{{ stage_contract('minzheng', 'address_register') }}
