-- 开放数据·各乡镇（街道）住房使用情况: registered households, households with a meter, and those
-- with power or water use per township in the latest month of lib_decision.township_occupancy,
-- with the county total (is_total). Grain: one row per current township, and one total row.
with latest as (

    select * from {{ ref('township_occupancy') }}
    where month = (select max(month) from {{ ref('township_occupancy') }})

),

by_township as (

    select township_code, township_name, false as is_total, month,
           registered_households, metered_households, households_with_power_use,
           households_with_water_use, empty_homes
    from latest

),

total as (

    select '{{ var("county_code", "371503") }}', '全区合计', true, max(month),
           sum(registered_households), sum(metered_households), sum(households_with_power_use),
           sum(households_with_water_use), sum(empty_homes)
    from by_township

)

select
    township_code::{{ varchar() }} as township_code,
    township_name::{{ varchar() }} as township_name,
    is_total::boolean as is_total,
    month::{{ varchar() }} as month,
    registered_households::bigint as registered_households,
    metered_households::bigint as metered_households,
    households_with_power_use::bigint as households_with_power_use,
    households_with_water_use::bigint as households_with_water_use,
    empty_homes::bigint as empty_homes
from (select * from by_township union all select * from total)
where month is not null
order by is_total, township_code
