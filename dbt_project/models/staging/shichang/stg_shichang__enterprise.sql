-- Generated from pipelines/contracts by pipelines/dbt_codegen.py: do not edit.
-- 企业登记信息 (县市场监督管理局)
-- depends_on: {{ source('shichang', 'enterprise') }}
{{ stage_contract('shichang', 'enterprise') }}
