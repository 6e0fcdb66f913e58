-- 乡镇住房使用情况 (occupancy per township and month, from power and water use): registered
-- people and households (current register), the households whose meters were read, those with
-- power use, with water use, and the empty homes (meters read, no power and no water used that
-- month), with the empty-home rate. The macro side of the findings rule registered_not_living.
-- Grain: one row per current township and month (the twelve whole months before the as-of date).
with townships as (

    select division_code as township_code, division_name as township_name
    from {{ ref('division') }}
    where level = 'township' and is_current

),

months as (

    -- the twelve whole months before the as-of date's month
    {%- for back in range(12, 0, -1) %}
    select cast(date_trunc('month', {{ as_of_date() }}) - interval {{ back }} month as date) as month_start
    {{- "\n    union all" if not loop.last }}
    {%- endfor %}

),

registered as (

    select township_code, count(*) as registered_households, cast(sum(member_count) as bigint) as registered_people
    from {{ ref('household') }}
    where is_active
    group by township_code

),

links as (

    select * from {{ ref('int_household_utility_accounts') }}

),

readings as (

    select * from {{ ref('int_utility_monthly_use') }}

),

household_months as (

    select
        links.township_code,
        links.household_no,
        readings.month_start,
        sum(readings.use) filter (where links.utility = 'power') as power_use,
        sum(readings.use) filter (where links.utility = 'water') as water_use
    from links
    inner join readings
        on readings.account_source = links.account_source and readings.account_no = links.account_no
    group by all

),

monthly as (

    select
        township_code,
        month_start,
        count(*) as metered_households,
        count(*) filter (where power_use > 0) as households_with_power_use,
        count(*) filter (where water_use > 0) as households_with_water_use,
        count(*) filter (where coalesce(power_use, 0) = 0 and coalesce(water_use, 0) = 0) as empty_homes
    from household_months
    group by all

),

final as (

    select
        townships.township_code,
        townships.township_name,
        {{ format_date('months.month_start', '%Y%m') }} as month,
        coalesce(registered.registered_people, 0) as registered_people,
        coalesce(registered.registered_households, 0) as registered_households,
        coalesce(monthly.metered_households, 0) as metered_households,
        coalesce(monthly.households_with_power_use, 0) as households_with_power_use,
        coalesce(monthly.households_with_water_use, 0) as households_with_water_use,
        coalesce(monthly.empty_homes, 0) as empty_homes,
        cast({{ round_double('cast(100 as double) * monthly.empty_homes / nullif(monthly.metered_households, 0)', 2) }} as double)
            as empty_home_rate_pct,
        {{ as_of_date() }} as as_of_date
    from townships
    cross join months
    left join registered on registered.township_code = townships.township_code
    left join monthly
        on monthly.township_code = townships.township_code and monthly.month_start = months.month_start

)

select * from final
