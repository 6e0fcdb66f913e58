-- Generated from pipelines/contracts by pipelines/dbt_codegen.py: do not edit.
-- 个体工商户登记信息 (县市场监督管理局)
-- depends_on: {{ source('shichang', 'individual_business') }}
{{ stage_contract('shichang', 'individual_business') }}
