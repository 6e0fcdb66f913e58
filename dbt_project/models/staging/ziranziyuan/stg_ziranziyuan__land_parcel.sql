-- Generated from pipelines/contracts by pipelines/dbt_codegen.py: do not edit.
-- 宗地 (县自然资源局)
-- depends_on: {{ source('ziranziyuan', 'land_parcel') }}
{{ stage_contract('ziranziyuan', 'land_parcel') }}
