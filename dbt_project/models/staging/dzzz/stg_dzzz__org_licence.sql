-- Generated from pipelines/contracts by pipelines/dbt_codegen.py: do not edit.
-- 法人电子证照 (电子证照库)
-- depends_on: {{ source('dzzz', 'org_licence') }}
{{ stage_contract('dzzz', 'org_licence') }}
