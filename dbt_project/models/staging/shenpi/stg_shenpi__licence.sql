-- Generated from pipelines/contracts by pipelines/dbt_codegen.py: do not edit.
-- 行政许可信息（双公示） (县行政审批服务局)
-- depends_on: {{ source('shenpi', 'licence') }}
{{ stage_contract('shenpi', 'licence') }}
