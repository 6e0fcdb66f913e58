-- Generated from pipelines/contracts by pipelines/dbt_codegen.py: do not edit.
-- 税收入库明细 (县税务局)
-- depends_on: {{ source('shuiwu', 'monthly_tax') }}
{{ stage_contract('shuiwu', 'monthly_tax') }}
