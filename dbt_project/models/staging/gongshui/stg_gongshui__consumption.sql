-- Generated from pipelines/contracts by pipelines/dbt_codegen.py: do not edit.
-- 月度用水量 (县自来水公司)
-- depends_on: {{ source('gongshui', 'consumption') }}
{{ stage_contract('gongshui', 'consumption') }}
