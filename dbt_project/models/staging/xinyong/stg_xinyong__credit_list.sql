-- Generated from pipelines/contracts by pipelines/dbt_codegen.py: do not edit.
-- 红黑名单 (县信用办)
-- depends_on: {{ source('xinyong', 'credit_list') }}
{{ stage_contract('xinyong', 'credit_list') }}
