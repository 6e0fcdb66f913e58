-- Generated from pipelines/contracts by pipelines/dbt_codegen.py: do not edit.
-- 社保缴费及待遇发放 (县人力资源和社会保障局)
-- depends_on: {{ source('renshe', 'payments') }}
{{ stage_contract('renshe', 'payments') }}
