-- Generated from pipelines/contracts by pipelines/dbt_codegen.py: do not edit.
-- 系统访问日志 (县大数据中心)
-- depends_on: {{ source('dashuju', 'access_log') }}
{{ stage_contract('dashuju', 'access_log') }}
