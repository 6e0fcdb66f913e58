-- Generated from pipelines/contracts by pipelines/dbt_codegen.py: do not edit.
-- 房屋产权登记 (县住房和城乡建设局)
-- depends_on: {{ source('zhujian', 'property_registration') }}
{{ stage_contract('zhujian', 'property_registration') }}
