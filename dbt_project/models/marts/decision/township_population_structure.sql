-- 乡镇人口结构 (township population structure): per township, the living golden persons who live
-- there by sex and age band (at the as-of date), its households, the year's vital events, and
-- the statistics bureau's registered population next to the register's count. Grain: one row
-- per current township.
with townships as (

    select division_code as township_code, division_name as township_name
    from {{ ref('division') }}
    where level = 'township' and is_current

),

people as (

    select * from {{ ref('int_person_township') }}
    where is_alive

),

households as (

    select township_code, count(*) filter (where is_active) as households, sum(member_count) as household_members
    from {{ ref('household') }}
    group by township_code

),

events as (

    select
        township_code,
        count(*) filter (where event_type = '出生') as births_12m,
        count(*) filter (where event_type = '死亡') as deaths_12m,
        count(*) filter (where event_type = '结婚') as marriage_parties_12m,
        count(*) filter (where event_type = '迁入') as moves_in_12m,
        count(*) filter (where event_type = '迁出') as moves_out_12m
    from {{ ref('vital_event') }}
    where event_date > {{ as_of_date() }} - interval 1 year and event_date <= {{ as_of_date() }}
    group by township_code

),

statistics as (

    select division_code as township_code, cast(value as bigint) as statistics_registered_population,
           period as statistics_period
    from {{ ref('indicator_fact') }}
    where indicator = '户籍人口' and division_level = 'township'
    qualify row_number() over (partition by division_code order by period_end desc) = 1

),

structure as (

    select
        township_code,
        count(*) as population,
        count(*) filter (where is_registered_resident) as registered_population,
        count(*) filter (where not is_registered_resident and has_residence_permit) as permit_holders,
        count(*) filter (where gender = '1') as male,
        count(*) filter (where gender = '2') as female,
        count(*) filter (where age between 0 and 14) as age_0_14,
        count(*) filter (where age between 15 and 59) as age_15_59,
        count(*) filter (where age >= 60) as age_60_plus,
        count(*) filter (where age >= 65) as age_65_plus,
        {{ round_double('avg(age)', 2) }} as average_age
    from people
    where township_code is not null
    group by township_code

),

final as (

    select
        townships.township_code,
        townships.township_name,
        coalesce(structure.population, 0) as population,
        coalesce(structure.registered_population, 0) as registered_population,
        coalesce(structure.permit_holders, 0) as permit_holders,
        coalesce(structure.male, 0) as male,
        coalesce(structure.female, 0) as female,
        {{ round_double('cast(100 as double) * structure.male / nullif(structure.female, 0)', 1) }} as sex_ratio,
        coalesce(structure.age_0_14, 0) as age_0_14,
        coalesce(structure.age_15_59, 0) as age_15_59,
        coalesce(structure.age_60_plus, 0) as age_60_plus,
        coalesce(structure.age_65_plus, 0) as age_65_plus,
        {{ round_double('cast(100 as double) * structure.age_60_plus / nullif(structure.population, 0)', 2) }} as ageing_rate_pct,
        {{ round_double('structure.average_age', 1) }} as average_age,
        coalesce(households.households, 0) as households,
        {{ round_double('households.household_members / nullif(households.households, 0)', 2) }} as average_household_size,
        coalesce(events.births_12m, 0) as births_12m,
        coalesce(events.deaths_12m, 0) as deaths_12m,
        coalesce(events.marriage_parties_12m, 0) as marriage_parties_12m,
        coalesce(events.moves_in_12m, 0) as moves_in_12m,
        coalesce(events.moves_out_12m, 0) as moves_out_12m,
        statistics.statistics_registered_population,
        statistics.statistics_period,
        {{ round_double('cast(100 as double) * (coalesce(structure.registered_population, 0) - statistics.statistics_registered_population)
              / nullif(statistics.statistics_registered_population, 0)', 2) }} as register_vs_statistics_pct,
        {{ as_of_date() }} as as_of_date
    from townships
    left join structure using (township_code)
    left join households using (township_code)
    left join events using (township_code)
    left join statistics using (township_code)

)

select * from final
