-- Generated from pipelines/contracts by pipelines/dbt_codegen.py: do not edit.
-- 政务信息系统台账 (县大数据中心)
-- depends_on: {{ source('dashuju', 'information_system') }}
{{ stage_contract('dashuju', 'information_system') }}
