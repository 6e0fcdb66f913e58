-- 政务云迁移进度 (move to the government cloud): per owning department and for the whole county,
-- the systems in use, those fit to move (all but classified ones, 是否涉密, and those at a
-- protection level the settings exclude), those of them on the cloud, the share against the
-- plan's target (cloud_target, 70%) and how many more must move to reach it.
{%- set target = systems_setting('cloud_target') %}
with systems as (

    select
        *,
        not is_classified and not is_level_excluded as is_fit
    from {{ ref('int_system_ledger') }}
    where is_in_use

),

grouped as (

    select
        'department' as scope,
        min(owner) as unit,
        owner_key,
        min(owner_org_id) as owner_org_id,
        count(*) as systems_in_use,
        count(*) filter (where is_classified) as systems_classified,
        count(*) filter (where is_level_excluded and not is_classified) as systems_level_excluded,
        count(*) filter (where is_fit) as systems_fit,
        count(*) filter (where is_fit and is_on_cloud) as systems_fit_on_cloud
    from systems
    group by owner_key

    union all

    select
        'county' as scope,
        {{ sql_literal(county_profile().get('name') or county_profile().get('code')) }} as unit,
        null as owner_key,
        null as owner_org_id,
        count(*),
        count(*) filter (where is_classified),
        count(*) filter (where is_level_excluded and not is_classified),
        count(*) filter (where is_fit),
        count(*) filter (where is_fit and is_on_cloud)
    from systems

),

final as (

    select
        case when scope = 'county' then 'county' else 'department:' || owner_key end as unit_id,
        scope,
        unit,
        owner_org_id,
        systems_in_use,
        systems_classified,
        systems_level_excluded,
        systems_fit,
        systems_fit_on_cloud,
        systems_fit - systems_fit_on_cloud as systems_fit_local,
        case when systems_fit > 0 then systems_fit_on_cloud::double / systems_fit end as cloud_share,
        {{ target }}::double as target_share,
        -- systems still to move: the target's share of the fit ones, rounded up, less those on the cloud
        greatest(ceil({{ target }} * systems_fit - 1e-9)::integer - systems_fit_on_cloud, 0) as systems_to_move,
        systems_fit = 0 or systems_fit_on_cloud::double / systems_fit >= {{ target }} as meets_target,
        {{ as_of_date() }} as as_of_date
    from grouped

)

select * from final
