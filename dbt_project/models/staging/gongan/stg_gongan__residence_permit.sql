-- Generated from pipelines/contracts by pipelines/dbt_codegen.py: do not edit.
-- 居住证办理信息 (县公安局)
-- depends_on: {{ source('gongan', 'residence_permit') }}
{{ stage_contract('gongan', 'residence_permit') }}
