-- 开放数据·各乡镇（街道）户籍人口: registered residents per township by sex and age band at the
-- as-of date, with the county total (is_total). Registered residents are the persons of the
-- population library whose register status is 正常 in a township of the county; small counts are
-- suppressed when the file is released (pipelines/open_data/suppression.py), not here.
-- Grain: one row per current township, and one total row.
with townships as (

    select division_code as township_code, division_name as township_name
    from {{ ref('division') }}
    where level = 'township' and is_current

),

residents as (

    select
        township_code,
        gender,
        case when birth_date is null or birth_date > {{ as_of_date() }} then null
             else {{ full_years_between('birth_date', as_of_date()) }} end as age
    from {{ ref('person') }}
    where township_code is not null and coalesce(register_status, '正常') = '正常'

),

counts as (

    select
        township_code,
        count(*) as population,
        count(*) filter (where gender = '1') as male,
        count(*) filter (where gender = '2') as female,
        count(*) filter (where gender is null or gender not in ('1', '2')) as gender_unknown,
        count(*) filter (where age < 15) as age_0_14,
        count(*) filter (where age between 15 and 59) as age_15_59,
        count(*) filter (where age >= 60) as age_60_plus,
        count(*) filter (where age is null) as age_unknown
    from residents
    group by township_code

),

by_township as (

    select
        t.township_code,
        t.township_name,
        false as is_total,
        coalesce(c.population, 0) as population,
        coalesce(c.male, 0) as male,
        coalesce(c.female, 0) as female,
        coalesce(c.gender_unknown, 0) as gender_unknown,
        coalesce(c.age_0_14, 0) as age_0_14,
        coalesce(c.age_15_59, 0) as age_15_59,
        coalesce(c.age_60_plus, 0) as age_60_plus,
        coalesce(c.age_unknown, 0) as age_unknown
    from townships t
    left join counts c using (township_code)

),

total as (

    select
        '{{ var("county_code", "371503") }}' as township_code,
        '全区合计' as township_name,
        true as is_total,
        sum(population), sum(male), sum(female), sum(gender_unknown),
        sum(age_0_14), sum(age_15_59), sum(age_60_plus), sum(age_unknown)
    from by_township

)

select
    township_code::{{ varchar() }} as township_code,
    township_name::{{ varchar() }} as township_name,
    is_total::boolean as is_total,
    population::bigint as population,
    male::bigint as male,
    female::bigint as female,
    gender_unknown::bigint as gender_unknown,
    age_0_14::bigint as age_0_14,
    age_15_59::bigint as age_15_59,
    age_60_plus::bigint as age_60_plus,
    age_unknown::bigint as age_unknown
from (select * from by_township union all select * from total)
order by is_total, township_code
