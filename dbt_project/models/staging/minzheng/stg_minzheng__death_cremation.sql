-- Generated from pipelines/contracts by pipelines/dbt_codegen.py: do not edit.
-- 死亡火化信息 (县民政局)
-- depends_on: {{ source('minzheng', 'death_cremation') }}
{{ stage_contract('minzheng', 'death_cremation') }}
