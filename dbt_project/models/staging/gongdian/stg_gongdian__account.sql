-- Generated from pipelines/contracts by pipelines/dbt_codegen.py: do not edit.
-- 居民用电客户 (县供电公司)
-- depends_on: {{ source('gongdian', 'account') }}
{{ stage_contract('gongdian', 'account') }}
