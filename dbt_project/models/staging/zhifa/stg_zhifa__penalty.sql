-- Generated from pipelines/contracts by pipelines/dbt_codegen.py: do not edit.
-- 行政处罚信息（双公示） (县综合行政执法局)
-- depends_on: {{ source('zhifa', 'penalty') }}
{{ stage_contract('zhifa', 'penalty') }}
