-- Generated from pipelines/contracts by pipelines/dbt_codegen.py: do not edit.
-- 主要统计指标 (县统计局)
-- depends_on: {{ source('tongji', 'indicator') }}
{{ stage_contract('tongji', 'indicator') }}
