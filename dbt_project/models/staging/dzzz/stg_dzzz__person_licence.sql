-- Generated from pipelines/contracts by pipelines/dbt_codegen.py: do not edit.
-- 自然人电子证照 (电子证照库)
-- depends_on: {{ source('dzzz', 'person_licence') }}
{{ stage_contract('dzzz', 'person_licence') }}
