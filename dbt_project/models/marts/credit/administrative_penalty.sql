-- 行政处罚 (administrative penalties, "double publicity" records): every penalty decision, the
-- party resolved to the golden organisation and its representative to the golden person, and
-- whether it is still published on the as-of date (公示截止期). Grain: one row per decision
-- number (a decision published again keeps its latest publication).
with penalties as (

    select * from {{ ref('stg_zhifa__penalty') }}

),

org_xref as (

    select * from {{ source('er', 'org_xref') }}
    where source = 'zhifa__penalty'

),

person_xref as (

    select * from {{ source('er', 'person_xref') }}
    where source = 'zhifa__penalty'

),

organization as (

    select org_id from {{ ref('organization') }}

),

person as (

    select person_id from {{ ref('person') }}

),

latest as (

    select *
    from penalties
    where decision_no is not null
    qualify row_number() over (partition by decision_no order by delivery_date desc, row_id desc) = 1

),

final as (

    select
        latest.decision_no,
        latest.party_name,
        latest.party_category,
        latest.uscc,
        organization.org_id,
        latest.legal_rep,
        person.person_id as legal_rep_person_id,
        latest.violation_type,
        latest.facts,
        latest.basis,
        latest.penalty_category,
        latest.content,
        cast(latest.fine as decimal(20, 4)) as fine_wan_yuan,
        cast(latest.confiscated as decimal(20, 4)) as confiscated_wan_yuan,
        latest.decision_date,
        latest.valid_until,
        latest.publish_until,
        latest.publish_until is null or latest.publish_until >= {{ as_of_date() }} as is_published,
        latest.authority,
        latest.authority_uscc,
        latest.data_source,
        'zhifa__penalty' as source,
        latest.row_id,
        latest.source_file,
        latest.source_line,
        cast(latest.delivery_date as date) as delivery_date
    from latest
    left join org_xref on org_xref.record_id = latest.row_id || '#self'
    left join organization on organization.org_id = org_xref.org_id
    left join person_xref on person_xref.record_id = latest.row_id || '#legal_rep'
    left join person on person.person_id = person_xref.person_id

)

select * from final
