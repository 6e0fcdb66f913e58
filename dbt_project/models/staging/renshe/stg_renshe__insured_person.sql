-- Generated from pipelines/contracts by pipelines/dbt_codegen.py: do not edit.
-- 养老保险参保人员 (县人力资源和社会保障局)
-- depends_on: {{ source('renshe', 'insured_person') }}
{{ stage_contract('renshe', 'insured_person') }}
