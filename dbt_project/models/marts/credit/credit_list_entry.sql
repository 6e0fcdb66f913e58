-- 红黑名单 (red and black lists): every listing the credit office has delivered, the subject
-- resolved to the golden organisation, and whether it is on the list on the as-of date. A
-- listing missing from a later snapshot was removed: the first snapshot without it dates its
-- removal when the office gave none. Grain: one row per list, subject and listing date.
with lists as (

    select * from {{ ref('stg_xinyong__credit_list') }}

),

org_xref as (

    select * from {{ source('er', 'org_xref') }}
    where source = 'xinyong__credit_list'

),

organization as {{ cte_hint('not materialized') }} (

    select org_id, uscc as golden_uscc from {{ ref('organization') }}

),

snapshots as (

    select distinct cast(delivery_date as date) as delivery_date from lists

),

keyed as (

    select
        *,
        md5(concat_ws('|', list_name, coalesce(uscc, subject_name), cast(listed_date as {{ varchar() }}))) as listing_id
    from lists
    where list_name is not null and listed_date is not null

),

seen as (

    select listing_id, cast(max(delivery_date) as date) as last_seen
    from keyed
    group by listing_id

),

spans as (

    -- the first snapshot after the listing was last seen (null while it is still delivered)
    select seen.listing_id, seen.last_seen, min(snapshots.delivery_date) as dropped_on
    from seen
    left join snapshots on snapshots.delivery_date > seen.last_seen
    group by seen.listing_id, seen.last_seen

),

latest as (

    select *
    from keyed
    qualify row_number() over (partition by listing_id order by delivery_date desc, row_id) = 1

),

resolved as (

    -- the org of the listing's current record; a listing dropped earlier is resolved through
    -- the golden organisation holding its credit code
    select
        latest.listing_id,
        coalesce(org_xref.org_id, by_code.org_id) as org_id
    from latest
    left join org_xref on org_xref.record_id = latest.row_id || '#self'
    left join organization as by_code on by_code.golden_uscc = latest.uscc

),

final as (

    select
        latest.listing_id,
        latest.list_type,
        latest.list_name,
        latest.subject_name,
        latest.uscc,
        organization.org_id,
        latest.legal_rep,
        latest.listed_date,
        coalesce(latest.removed_date, spans.dropped_on) as removed_date,
        latest.removed_date is null and spans.dropped_on is not null as is_removal_observed,
        latest.listed_date <= {{ as_of_date() }}
            and (coalesce(latest.removed_date, spans.dropped_on) is null
                 or coalesce(latest.removed_date, spans.dropped_on) > {{ as_of_date() }}) as is_listed,
        latest.reason,
        latest.authority,
        'xinyong__credit_list' as source,
        latest.row_id,
        latest.source_file,
        latest.source_line,
        cast(latest.delivery_date as date) as delivery_date
    from latest
    inner join spans using (listing_id)
    left join resolved using (listing_id)
    left join organization on organization.org_id = resolved.org_id

)

select * from final
