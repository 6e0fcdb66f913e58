-- 人员历史: the periods over which a person's residence, household membership, marital status
-- and register status stayed the same. Grain: one row per person and period; the open period
-- (valid_to null) is the current one. Built from every household-register snapshot (a change
-- starts on the delivery date of the first snapshot showing it; the earliest state is taken to
-- hold since registration), residence permits for migrants, and for anyone else the golden
-- address since the person's first delivery.
{#- the observations' columns, and those a missing value is carried over (the state) -#}
{%- set observation_columns = ['person_id', 'observed_on', 'registered_date', 'address', 'household_no',
    'relation_to_head', 'division_code', 'township_code', 'marital_status', 'register_status', 'source',
    'record_id', 'delivery_date'] %}
{%- set carried_columns = ['address', 'household_no', 'relation_to_head', 'marital_status', 'register_status'] %}
with register as {{ cte_hint('not materialized') }} (

    -- the inputs are read where used: a CTE read several times would otherwise be copied first

    select * from {{ ref('int_person_register_observations') }}

),

person as {{ cte_hint('not materialized') }} (

    select * from {{ ref('person') }}

),

permits as {{ cte_hint('not materialized') }} (

    select * from {{ ref('stg_gongan__residence_permit') }}

),

xref as {{ cte_hint('not materialized') }} (

    select * from {{ source('er', 'person_xref') }}
    where source = 'gongan__residence_permit'

),

register_deliveries as (

    -- each register snapshot and the one after it
    select delivery_date, lead(delivery_date) over (order by delivery_date) as next_delivery_date
    from (select distinct cast(delivery_date as date) as delivery_date from register) as deliveries

),

registered as (

    -- everyone the register lists in any snapshot
    select distinct person_id from register

),

register_observations as {{ cte_hint('not materialized') }} (

    select
        person_id,
        cast(delivery_date as date) as observed_on,
        registered_date,
        address,
        household_no,
        relation_to_head,
        division_code,
        township_code,
        marital_status,
        register_status,
        'gongan__household_register' as source,
        record_id,
        delivery_date
    from register

),

permit_observations as {{ cte_hint('not materialized') }} (

    select
        xref.person_id,
        coalesce(permits.apply_date, cast(permits.delivery_date as date)) as observed_on,
        cast(null as date) as registered_date,
        permits.residence_address as address,
        cast(null as {{ varchar() }}) as household_no,
        cast(null as {{ varchar() }}) as relation_to_head,
        cast(null as {{ varchar() }}) as division_code,
        cast(null as {{ varchar() }}) as township_code,
        cast(null as {{ varchar() }}) as marital_status,
        '居住证' as register_status,
        'gongan__residence_permit' as source,
        xref.record_id,
        permits.delivery_date
    from permits
    inner join xref on xref.record_id = permits.row_id || '#self'
    where xref.person_id not in (select person_id from registered)

),

golden_observations as {{ cte_hint('not materialized') }} (

    select
        person_id,
        first_delivery_date as observed_on,
        cast(null as date) as registered_date,
        address,
        cast(null as {{ varchar() }}) as household_no,
        cast(null as {{ varchar() }}) as relation_to_head,
        cast(null as {{ varchar() }}) as division_code,
        township_code,
        marital_status,
        cast(null as {{ varchar() }}) as register_status,
        address_source as source,
        cast(null as {{ varchar() }}) as record_id,
        cast(first_delivery_date as timestamp) as delivery_date
    from person
    where person_id not in (select person_id from registered)
      and person_id not in (select person_id from permit_observations)

),

observations as {{ cte_hint('not materialized') }} (

    select * from register_observations
    union all
    select * from permit_observations
    union all
    select * from golden_observations

),

raw_states as {{ cte_hint('not materialized') }} (

    select
        *,
        {{ state_hash(carried_columns) }} as state
    from observations

),

per_person as (

    -- one pass over everyone's observations: whether the state ever changes, and the period
    -- of those whose state never does (most people show the same state in every snapshot)
    select
        person_id,
        min(state) = max(state) as is_stable,
        min(observed_on) as first_observed_on,
        max(observed_on) as last_observed_on,
        min(registered_date) as registered_date,
        any_value(address) as address,
        any_value(household_no) as household_no,
        any_value(relation_to_head) as relation_to_head,
        {{ pick_min('division_code', 'observed_on') }} as division_code,
        {{ pick_min('township_code', 'observed_on') }} as township_code,
        any_value(marital_status) as marital_status,
        any_value(register_status) as register_status,
        {{ pick_min('source', 'observed_on') }} as source,
        {{ pick_min('record_id', 'observed_on') }} as record_id,
        max(delivery_date) as last_delivery_date,
        count(*) as observation_count
    from raw_states
    group by person_id

),

stable_periods as (

    -- one period, no window needed
    select
        person_id,
        1 as period_no,
        first_observed_on,
        last_observed_on,
        registered_date,
        address,
        household_no,
        relation_to_head,
        division_code,
        township_code,
        marital_status,
        register_status,
        source,
        record_id,
        last_delivery_date,
        observation_count
    from per_person
    where is_stable

),

changing as (

    select {{ observation_columns | join(', ') }}
    from raw_states
    semi join (select person_id from per_person where not is_stable) as changed using (person_id)

),

filled as (

    -- a value missing from one snapshot (a clerk's blank, a quarantined cell) is not a change:
    -- carry the last one seen forward (and the first one seen back, before it)
    select
        {%- for column in observation_columns %}
        {%- if column in carried_columns %}
        {{ carried_value(column, 'person_id', 'observed_on, record_id') }} as {{ column }}
        {%- else %}
        {{ column }}
        {%- endif %}{{ ',' if not loop.last }}
        {%- endfor %}
    from changing

),

states as (

    select
        *,
        {{ state_hash(carried_columns) }} as state
    from filled

),

denoised as (

    -- a state seen in a single snapshot between two snapshots that agree with each other is that
    -- snapshot's typing error, not two changes
    select *
    from states
    qualify not coalesce(
        lag(state) over (partition by person_id order by observed_on, record_id)
            = lead(state) over (partition by person_id order by observed_on, record_id)
        and lag(state) over (partition by person_id order by observed_on, record_id) <> state,
        false
    )

),

changes as (

    select
        *,
        case when lag(state) over (partition by person_id order by observed_on, record_id) is not distinct from state
            then 0 else 1 end as is_change
    from denoised

),

islands as (

    select
        *,
        sum(is_change) over (
            partition by person_id order by observed_on, record_id rows unbounded preceding
        ) as period_no
    from changes

),

changing_periods as (

    select
        person_id,
        period_no,
        min(observed_on) as first_observed_on,
        max(observed_on) as last_observed_on,
        min(registered_date) as registered_date,
        {{ pick_min('address', 'observed_on') }} as address,
        {{ pick_min('household_no', 'observed_on') }} as household_no,
        {{ pick_min('relation_to_head', 'observed_on') }} as relation_to_head,
        {{ pick_min('division_code', 'observed_on') }} as division_code,
        {{ pick_min('township_code', 'observed_on') }} as township_code,
        {{ pick_min('marital_status', 'observed_on') }} as marital_status,
        {{ pick_min('register_status', 'observed_on') }} as register_status,
        {{ pick_min('source', 'observed_on') }} as source,
        {{ pick_min('record_id', 'observed_on') }} as record_id,
        max(delivery_date) as last_delivery_date,
        count(*) as observation_count
    from islands
    group by person_id, period_no

),

dated_changing as (

    select
        *,
        case when period_no = 1 and registered_date is not null
            then least(registered_date, first_observed_on) else first_observed_on end as valid_from
    from changing_periods

),

periods as (

    -- a period ends where the person's next one starts; a person dropped from the register
    -- closes with the first snapshot that no longer lists them
    select
        *,
        case when registered_date is not null
            then least(registered_date, first_observed_on) else first_observed_on end as valid_from,
        cast(null as date) as next_valid_from
    from stable_periods

    union all

    select
        *,
        lead(valid_from) over (partition by person_id order by period_no) as next_valid_from
    from dated_changing

),

final as (

    select
        periods.person_id,
        periods.valid_from,
        coalesce(
            periods.next_valid_from,
            case when periods.source = 'gongan__household_register' then register_deliveries.next_delivery_date end
        ) as valid_to,
        periods.address,
        periods.household_no,
        periods.relation_to_head,
        periods.division_code,
        periods.township_code,
        periods.marital_status,
        periods.register_status,
        periods.source,
        periods.record_id,
        periods.first_observed_on,
        periods.last_observed_on,
        periods.observation_count
    from periods
    left join register_deliveries
        on register_deliveries.delivery_date = cast(periods.last_delivery_date as date)

)

select
    *,
    valid_to is null as is_current
from final
