-- 开放数据·各乡镇（街道）社会保险覆盖情况: contributors among the working-age and pensioners
-- among the pension-age living residents per township (lib_decision.social_security_coverage,
-- without the subsistence-allowance columns), with the county total (is_total). Grain: one row
-- per current township, and one total row.
with by_township as (

    select
        township_code,
        township_name,
        false as is_total,
        working_age,
        working_age_contributing,
        working_age - working_age_contributing as working_age_not_contributing,
        pension_age,
        pension_age_receiving,
        pension_age - pension_age_receiving as pension_age_not_receiving
    from {{ ref('social_security_coverage') }}

),

total as (

    select
        '{{ var("county_code", "371503") }}', '全区合计', true,
        sum(working_age), sum(working_age_contributing), sum(working_age_not_contributing),
        sum(pension_age), sum(pension_age_receiving), sum(pension_age_not_receiving)
    from by_township

)

select
    township_code::{{ varchar() }} as township_code,
    township_name::{{ varchar() }} as township_name,
    is_total::boolean as is_total,
    working_age::bigint as working_age,
    working_age_contributing::bigint as working_age_contributing,
    working_age_not_contributing::bigint as working_age_not_contributing,
    {{ round_double('cast(100 as double) * working_age_contributing / nullif(working_age, 0)', 1) }}::double as contribution_coverage_pct,
    pension_age::bigint as pension_age,
    pension_age_receiving::bigint as pension_age_receiving,
    pension_age_not_receiving::bigint as pension_age_not_receiving,
    {{ round_double('cast(100 as double) * pension_age_receiving / nullif(pension_age, 0)', 1) }}::double as pension_coverage_pct
from (select * from by_township union all select * from total)
order by is_total, township_code
