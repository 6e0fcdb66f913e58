-- Generated from pipelines/contracts by pipelines/dbt_codegen.py: do not edit.
-- 医疗机构执业登记 (县卫生健康局)
-- depends_on: {{ source('weijian', 'medical_institution') }}
{{ stage_contract('weijian', 'medical_institution') }}
