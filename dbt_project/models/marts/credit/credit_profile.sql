-- 信用档案 (credit profile): per golden organisation, its licences, penalties and listings as of
-- the as-of date, and a credit class derived from them: 失信 (on a black list), 关注 (a penalty
-- decided in the year before the as-of date), 守信 (on a red list), 良好 (none of these). Grain:
-- one row per golden organisation.
with organization as (

    select org_id, name, uscc from {{ ref('organization') }}

),

licences as (

    select
        org_id,
        count(*) as licence_count,
        count(*) filter (where is_in_force) as licences_in_force
    from {{ ref('administrative_licence') }}
    where org_id is not null
    group by org_id

),

penalties as (

    select
        org_id,
        count(*) as penalty_count,
        count(*) filter (where decision_date > {{ as_of_date() }} - interval 1 year) as penalties_last_year,
        count(*) filter (where is_published) as penalties_published,
        sum(coalesce(fine_wan_yuan, 0) + coalesce(confiscated_wan_yuan, 0)) as penalty_amount_wan_yuan,
        max(decision_date) as last_penalty_date
    from {{ ref('administrative_penalty') }}
    where org_id is not null
    group by org_id

),

listings as (

    select
        org_id,
        count(*) filter (where list_type = '红名单' and is_listed) as red_listings,
        count(*) filter (where list_type = '黑名单' and is_listed) as black_listings,
        {{ distinct_text_agg('list_name', "';'", 'is_listed') }} as current_lists
    from {{ ref('credit_list_entry') }}
    where org_id is not null
    group by org_id

),

final as (

    select
        organization.org_id,
        organization.name,
        organization.uscc,
        coalesce(licences.licence_count, 0) as licence_count,
        coalesce(licences.licences_in_force, 0) as licences_in_force,
        coalesce(penalties.penalty_count, 0) as penalty_count,
        coalesce(penalties.penalties_last_year, 0) as penalties_last_year,
        coalesce(penalties.penalties_published, 0) as penalties_published,
        cast(coalesce(penalties.penalty_amount_wan_yuan, 0) as decimal(20, 4)) as penalty_amount_wan_yuan,
        penalties.last_penalty_date,
        coalesce(listings.red_listings, 0) as red_listings,
        coalesce(listings.black_listings, 0) as black_listings,
        listings.current_lists,
        case
            when coalesce(listings.black_listings, 0) > 0 then '失信'
            when coalesce(penalties.penalties_last_year, 0) > 0 then '关注'
            when coalesce(listings.red_listings, 0) > 0 then '守信'
            else '良好'
        end as credit_class,
        {{ as_of_date() }} as as_of_date
    from organization
    left join licences using (org_id)
    left join penalties using (org_id)
    left join listings using (org_id)

)

select * from final
