-- Generated from pipelines/contracts by pipelines/dbt_codegen.py: do not edit.
-- 纳税人登记信息 (县税务局)
-- depends_on: {{ source('shuiwu', 'taxpayer') }}
{{ stage_contract('shuiwu', 'taxpayer') }}
