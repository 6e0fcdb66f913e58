-- Generated from pipelines/contracts by pipelines/dbt_codegen.py: do not edit.
-- 社会组织登记信息 (县民政局)
-- depends_on: {{ source('minzheng', 'social_organization') }}
{{ stage_contract('minzheng', 'social_organization') }}
