-- Generated from pipelines/contracts by pipelines/dbt_codegen.py: do not edit.
-- 乡镇行政区界线 (县自然资源局)
-- depends_on: {{ source('ziranziyuan', 'township_boundary') }}
{{ stage_contract('ziranziyuan', 'township_boundary') }}
