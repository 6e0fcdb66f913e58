-- Generated from pipelines/contracts by pipelines/dbt_codegen.py: do not edit.
-- 用水户档案 (县自来水公司)
-- depends_on: {{ source('gongshui', 'account') }}
{{ stage_contract('gongshui', 'account') }}
