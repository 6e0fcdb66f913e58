-- 指标目录 (indicator catalogue): each indicator the statistics bureau reports, its unit, the
-- areas and periods it covers, its latest county value and how many of its reports fail a
-- consistency check. Grain: one row per indicator and unit.
with facts as (

    select * from {{ ref('indicator_fact') }}

),

final as (

    select
        indicator,
        unit,
        bool_or(is_additive) as is_additive,
        count(distinct division_code) as area_count,
        count(distinct period) as period_count,
        min(period_start) as first_period_start,
        max(period_end) as last_period_end,
        max_by(period, period_end) filter (where division_level = 'county') as latest_county_period,
        max_by(value, period_end) filter (where division_level = 'county') as latest_county_value,
        count(*) filter (where is_sum_consistent = false) as sum_inconsistencies,
        count(*) filter (where is_cumulative_consistent = false) as cumulative_inconsistencies,
        count(*) as fact_count
    from facts
    group by indicator, unit

)

select * from final
