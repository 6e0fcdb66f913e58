-- Invariant: the townships' populations add up to the living golden persons placed in a
-- current township, and each township's age bands and sexes add up to its population.
with placed as (
    select count(*) as n
    from {{ ref('int_person_township') }}
    where is_alive and township_code in (
        select division_code from {{ ref('division') }} where level = 'township' and is_current
    )
),
totals as (
    select sum(population) as n from {{ ref('township_population_structure') }}
)
select 'total' as failure, placed.n as placed, totals.n as structured
from placed cross join totals
where placed.n <> totals.n
union all
select township_code, population, age_0_14 + age_15_59 + age_60_plus
from {{ ref('township_population_structure') }}
where population < age_0_14 + age_15_59 + age_60_plus
   or population < male + female
