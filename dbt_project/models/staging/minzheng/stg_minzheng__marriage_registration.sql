-- Generated from pipelines/contracts by pipelines/dbt_codegen.py: do not edit.
-- 婚姻登记信息 (县民政局)
-- depends_on: {{ source('minzheng', 'marriage_registration') }}
{{ stage_contract('minzheng', 'marriage_registration') }}
