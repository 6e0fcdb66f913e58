-- Generated from pipelines/contracts by pipelines/dbt_codegen.py: do not edit.
-- 企业年度报告 (县市场监督管理局)
-- depends_on: {{ source('shichang', 'annual_report') }}
{{ stage_contract('shichang', 'annual_report') }}
