-- Generated from pipelines/contracts by pipelines/dbt_codegen.py: do not edit.
-- 出生医学证明 (县卫生健康局)
-- depends_on: {{ source('weijian', 'birth_certificate') }}
{{ stage_contract('weijian', 'birth_certificate') }}
