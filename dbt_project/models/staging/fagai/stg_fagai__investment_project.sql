-- Generated from pipelines/contracts by pipelines/dbt_codegen.py: do not edit.
-- 固定资产投资项目 (县发展和改革局)
-- depends_on: {{ source('fagai', 'investment_project') }}
{{ stage_contract('fagai', 'investment_project') }}
