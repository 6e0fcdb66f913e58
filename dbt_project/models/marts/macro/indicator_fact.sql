-- 宏观经济指标 (macro indicators by area and period): the statistics bureau's reports, one value
-- per area, indicator and period, with the period parsed (年度, 1-N月 累计, 期末), the unit, and
-- consistency flags: do the townships add up to the county total (additive indicators), and
-- does a year-to-date value never fall from one report to the next (flows). A value reported
-- again keeps its latest report. Grain: one row per division, indicator and period.
with reports as (

    select * from {{ ref('stg_tongji__indicator') }}

),

latest as (

    select *
    from reports
    where division_code is not null and indicator is not null and period is not null
    qualify row_number() over (
        partition by division_code, indicator, period order by delivery_date desc, row_id desc
    ) = 1

),

parsed as (

    select
        *,
        try_cast(regexp_extract(period, '^([0-9]{4})年', 1) as integer) as period_year,
        try_cast(regexp_extract(period, '年([0-9]{1,2})-([0-9]{1,2})月', 1) as integer) as month_from,
        try_cast(regexp_extract(period, '年([0-9]{1,2})-([0-9]{1,2})月', 2) as integer) as month_to,
        try_cast(regexp_extract(period, '年([0-9]{1,2})月$', 1) as integer) as single_month,
        period like '%年末' as is_year_end
    from latest

),

periods as (

    select
        *,
        case
            when month_from is not null then '累计'
            when single_month is not null then '月度'
            when is_year_end then '期末'
            when {{ re_full_match('period', "'[0-9]{4}年'") }} then '年度'
            else '其他'
        end as period_type,
        case
            when month_from is not null then make_date(period_year, month_from, 1)
            when single_month is not null then make_date(period_year, single_month, 1)
            when period_year is not null then make_date(period_year, 1, 1)
        end as period_start,
        case
            when month_to is not null then last_day(make_date(period_year, month_to, 1))
            when single_month is not null then last_day(make_date(period_year, single_month, 1))
            when period_year is not null then make_date(period_year, 12, 31)
        end as period_end,
        -- stocks (people, households) are levels, not sums over time; per-capita values and
        -- county-only aggregates do not add up over townships
        unit in ('人', '户', '个', '家') as is_stock,
        unit in ('万元', '元', '人', '户', '个', '家') and indicator not like '%人均%' as is_additive
    from parsed

),

township_sums as (

    select
        left(division_code, 6) as county_code,
        indicator,
        period,
        sum(value) as township_sum,
        count(*) as township_count
    from periods
    where length(division_code) = 9
    group by 1, 2, 3

),

previous_reports as (

    -- the same area's and indicator's previous year-to-date value in the same year
    select
        division_code,
        indicator,
        period,
        lag(value) over (
            partition by division_code, indicator, period_year order by period_end
        ) as previous_value
    from periods
    where period_type in ('累计', '年度') and not is_stock

),

final as (

    select
        periods.division_code,
        periods.division_name,
        case length(periods.division_code) when 6 then 'county' when 9 then 'township' else 'other' end
            as division_level,
        periods.indicator,
        periods.period,
        periods.period_type,
        periods.period_start,
        periods.period_end,
        periods.unit,
        cast(periods.value as decimal(20, 4)) as value,
        periods.source as reporting_basis,
        periods.is_additive,
        cast(township_sums.township_sum as decimal(20, 4)) as township_sum,
        -- the county total against its townships: within 0.5% (rounding) or flagged
        case
            when length(periods.division_code) = 6 and periods.is_additive and township_sums.township_count > 0
                then abs(periods.value - township_sums.township_sum) <= 0.005 * greatest(abs(periods.value), 1)
        end as is_sum_consistent,
        case
            when previous_reports.previous_value is not null
                then periods.value >= previous_reports.previous_value
        end as is_cumulative_consistent,
        'tongji__indicator' as source,
        periods.row_id,
        periods.source_file,
        periods.source_line,
        cast(periods.delivery_date as date) as delivery_date
    from periods
    left join township_sums
        on township_sums.county_code = periods.division_code
        and township_sums.indicator = periods.indicator
        and township_sums.period = periods.period
    left join previous_reports
        on previous_reports.division_code = periods.division_code
        and previous_reports.indicator = periods.indicator
        and previous_reports.period = periods.period

)

select * from final
