-- Generated from pipelines/contracts by pipelines/dbt_codegen.py: do not edit.
-- 最低生活保障金发放 (县民政局)
-- depends_on: {{ source('minzheng', 'subsistence_allowance') }}
{{ stage_contract('minzheng', 'subsistence_allowance') }}
