-- Generated from pipelines/contracts by pipelines/dbt_codegen.py: do not edit.
-- 月度用电量 (县供电公司)
-- depends_on: {{ source('gongdian', 'consumption') }}
{{ stage_contract('gongdian', 'consumption') }}
