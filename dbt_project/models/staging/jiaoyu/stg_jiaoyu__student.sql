-- Generated from pipelines/contracts by pipelines/dbt_codegen.py: do not edit.
-- 中小学学籍信息 (县教育和体育局)
-- depends_on: {{ source('jiaoyu', 'student') }}
{{ stage_contract('jiaoyu', 'student') }}
