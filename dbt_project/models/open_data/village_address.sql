-- 开放数据·标准地址（村级汇总）: the standard address register aggregated to villages and
-- communities: how many standard addresses each holds and their mean position. No house numbers,
-- buildings or rooms. Grain: one row per village code.
select
    village_code::{{ varchar() }} as village_code,
    max(village_name)::{{ varchar() }} as village_name,
    max(township_code)::{{ varchar() }} as township_code,
    max(township_name)::{{ varchar() }} as township_name,
    count(*)::bigint as standard_addresses,
    -- exact decimal sums: a double sum's order varies between threads, and so would its last digit
    round(avg(lon::decimal(18, 9)), 6)::double as lon,
    round(avg(lat::decimal(18, 9)), 6)::double as lat
from {{ ref('standard_address') }}
where village_code is not null
group by village_code
order by village_code
