-- 行政许可 (administrative licences, "double publicity" records): every licence decision the
-- approval bureau published, its holder resolved to the golden organisation and its legal
-- representative to the golden person, and whether it is in force on the as-of date. Grain: one
-- row per licence number (a licence published again keeps its latest publication).
with licences as (

    select * from {{ ref('stg_shenpi__licence') }}

),

org_xref as (

    select * from {{ source('er', 'org_xref') }}
    where source = 'shenpi__licence'

),

person_xref as (

    select * from {{ source('er', 'person_xref') }}
    where source = 'shenpi__licence'

),

organization as (

    select org_id from {{ ref('organization') }}

),

person as (

    select person_id from {{ ref('person') }}

),

latest as (

    select *
    from licences
    where licence_no is not null
    qualify row_number() over (partition by licence_no order by delivery_date desc, row_id desc) = 1

),

final as (

    select
        latest.licence_no,
        latest.decision_no,
        latest.decision_doc,
        latest.party_name,
        latest.party_category,
        latest.uscc,
        organization.org_id,
        latest.legal_rep,
        person.person_id as legal_rep_person_id,
        latest.licence_category,
        latest.certificate_name,
        latest.content,
        latest.decision_date,
        latest.valid_from,
        -- 2099-12-31 is how the standard spells "no expiry"
        case when latest.valid_to < date '2099-12-31' then latest.valid_to end as valid_to,
        coalesce(latest.valid_to >= date '2099-12-31', false) as is_long_term,
        latest.authority,
        latest.authority_uscc,
        latest.status,
        coalesce(latest.status, '1') = '1'
            and coalesce(latest.valid_from, latest.decision_date) <= {{ as_of_date() }}
            and (latest.valid_to is null or latest.valid_to >= {{ as_of_date() }}) as is_in_force,
        latest.data_source,
        'shenpi__licence' as source,
        latest.row_id,
        latest.source_file,
        latest.source_line,
        cast(latest.delivery_date as date) as delivery_date
    from latest
    left join org_xref on org_xref.record_id = latest.row_id || '#holder'
    left join organization on organization.org_id = org_xref.org_id
    left join person_xref on person_xref.record_id = latest.row_id || '#legal_rep'
    left join person on person.person_id = person_xref.person_id

)

select * from final
