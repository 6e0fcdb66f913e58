-- Generated from pipelines/contracts by pipelines/dbt_codegen.py: do not edit.
-- 死亡医学证明 (县卫生健康局)
-- depends_on: {{ source('weijian', 'death_certificate') }}
{{ stage_contract('weijian', 'death_certificate') }}
