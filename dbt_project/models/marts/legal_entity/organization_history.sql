-- 法人单位历史: the periods over which an organisation's name and legal representative stayed the
-- same, from every snapshot of the register that ranks first for it (by the survivorship
-- priority of `org.name`), so that registers disagreeing with each other do not make changes
-- that did not happen (nor does a value missing from one snapshot). Grain: one row per
-- organisation and period; valid_to (exclusive) is the next period's start, null for the
-- current one.
{#- the columns of int_org_registry_observations, in its order -#}
{%- set observation_columns = ['org_id', 'source', 'register_kind', 'row_id', 'record_id', 'batch_id', 'source_file',
    'source_line', 'delivery_date', 'is_current', 'uscc', 'name', 'legal_rep', 'registration_status', 'org_type',
    'registered_capital', 'deregistered_date', 'industry'] %}
with registry as (

    select * from {{ ref('int_org_registry_observations') }}

),

organization as (

    select org_id, legal_rep, legal_rep_person_id from {{ ref('organization') }}

),

primary_source as (

    select org_id, source
    from registry
    group by org_id, source
    qualify row_number() over (partition by org_id order by {{ source_rank('org', 'name') }}) = 1

),

observations as (

    select registry.*
    from registry
    inner join primary_source using (org_id, source)

),

state_counts as (

    select org_id, count(distinct {{ state_hash(['name', 'legal_rep']) }}) as n_states
    from observations
    group by org_id

),

stable_periods as (

    -- most organisations show the same name and representative in every snapshot: one period
    select
        observations.org_id,
        1 as period_no,
        min(delivery_date) as first_observed_on,
        max(delivery_date) as last_observed_on,
        {{ pick_min('name', 'delivery_date') }} as name,
        {{ pick_min('legal_rep', 'delivery_date') }} as legal_rep,
        {{ pick_min('registration_status', 'delivery_date') }} as registration_status,
        {{ pick_min('source', 'delivery_date') }} as source,
        {{ pick_min('record_id', 'delivery_date') }} as record_id,
        count(*) as observation_count
    from observations
    inner join state_counts using (org_id)
    where state_counts.n_states = 1
    group by observations.org_id

),

changing as (

    select observations.*
    from observations
    inner join state_counts using (org_id)
    where state_counts.n_states > 1

),

filled as (

    -- a value missing from one snapshot is not a change: carry the last one seen forward (and
    -- the first one seen back, for snapshots before it)
    select
        {%- for column in observation_columns %}
        {%- if column in ('name', 'legal_rep') %}
        {{ carried_value(column, 'org_id', 'delivery_date, row_id') }} as {{ column }}
        {%- else %}
        {{ column }}
        {%- endif %}{{ ',' if not loop.last }}
        {%- endfor %}
    from changing

),

states as (

    select
        *,
        concat_ws('|', name, legal_rep) as state
    from filled

),

denoised as (

    -- a state seen in a single snapshot between two snapshots that agree with each other is that
    -- snapshot's typing error (a name retyped as a homophone), not two changes
    select *
    from states
    qualify not coalesce(
        lag(state) over (partition by org_id order by delivery_date, row_id) = lead(state) over (partition by org_id order by delivery_date, row_id)
        and lag(state) over (partition by org_id order by delivery_date, row_id) <> state,
        false
    )

),

changes as (

    select
        *,
        case when lag(state) over (partition by org_id order by delivery_date, row_id) is not distinct from state
            then 0 else 1 end as is_change
    from denoised

),

islands as (

    select
        *,
        sum(is_change) over (partition by org_id order by delivery_date, row_id rows unbounded preceding)
            as period_no
    from changes

),

changing_periods as (

    select
        org_id,
        period_no,
        min(delivery_date) as first_observed_on,
        max(delivery_date) as last_observed_on,
        {{ pick_min('name', 'delivery_date') }} as name,
        {{ pick_min('legal_rep', 'delivery_date') }} as legal_rep,
        {{ pick_min('registration_status', 'delivery_date') }} as registration_status,
        {{ pick_min('source', 'delivery_date') }} as source,
        {{ pick_min('record_id', 'delivery_date') }} as record_id,
        count(*) as observation_count
    from islands
    group by org_id, period_no

),

periods as (

    select * from stable_periods
    union all
    select * from changing_periods

),

register_deliveries as (

    select distinct source, delivery_date from registry

),

final as (

    select
        periods.org_id,
        periods.first_observed_on as valid_from,
        coalesce(
            lead(periods.first_observed_on) over (partition by periods.org_id order by periods.period_no),
            -- an organisation dropped from its register closes with the first snapshot without it
            (select min(d.delivery_date) from register_deliveries as d
             where d.source = periods.source and d.delivery_date > periods.last_observed_on)
        ) as valid_to,
        periods.name,
        periods.legal_rep,
        -- the golden representative's person, for the period that shows the same name
        case when periods.legal_rep = organization.legal_rep then organization.legal_rep_person_id end
            as legal_rep_person_id,
        periods.registration_status,
        periods.source,
        periods.record_id,
        periods.first_observed_on,
        periods.last_observed_on,
        periods.observation_count
    from periods
    inner join organization using (org_id)

)

select
    *,
    valid_to is null as is_current
from final
