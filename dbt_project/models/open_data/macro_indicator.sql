-- 开放数据·主要经济社会统计指标: the statistics bureau's indicators by area and period, with
-- units (lib_macro.indicator_fact without its lineage columns). Grain: one row per division,
-- indicator and period.
select
    division_code::{{ varchar() }} as division_code,
    division_name::{{ varchar() }} as division_name,
    division_level::{{ varchar() }} as division_level,
    indicator::{{ varchar() }} as indicator,
    period::{{ varchar() }} as period,
    period_type::{{ varchar() }} as period_type,
    period_start::date as period_start,
    period_end::date as period_end,
    unit::{{ varchar() }} as unit,
    value::decimal(20, 4) as value,
    reporting_basis::{{ varchar() }} as reporting_basis
from {{ ref('indicator_fact') }}
order by division_code, indicator, period_start, period
