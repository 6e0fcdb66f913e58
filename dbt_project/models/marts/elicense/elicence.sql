-- 电子证照 (e-licences, GB/T 36901): every licence the e-licence platform issued to a natural or a
-- legal person, the holder resolved to the golden person or organisation, and its validity on
-- the as-of date. Grain: one row per licence identifier (证照标识); a licence delivered again keeps
-- its latest delivery.
with person_licences as (

    select *, 'person' as holder_kind from {{ ref('stg_dzzz__person_licence') }}

),

org_licences as (

    select *, 'org' as holder_kind from {{ ref('stg_dzzz__org_licence') }}

),

person_xref as (

    select * from {{ source('er', 'person_xref') }}
    where source = 'dzzz__person_licence'

),

org_xref as (

    select * from {{ source('er', 'org_xref') }}
    where source = 'dzzz__org_licence'

),

person as (

    select person_id from {{ ref('person') }}

),

organization as (

    select org_id from {{ ref('organization') }}

),

licences as (

    -- the columns of the two deliveries the mart uses, named in one list so both sides of the
    -- union line up
    {%- set licence_columns = ['licence_id', 'licence_name', 'type_code', 'licence_no', 'issuer', 'issuer_code',
        'issue_date', 'holder_kind', 'holder', 'holder_code_type', 'is_holder_code_valid', 'valid_from', 'valid_to',
        'status', 'row_id', 'source_file', 'source_line', 'delivery_date'] %}
    select
        {%- for column in licence_columns %}
        person_licences.{{ column }},
        {%- endfor %}
        cast(person_licences.holder_code as {{ varchar() }}) as holder_code,
        'dzzz__person_licence' as source,
        person.person_id,
        cast(null as {{ varchar() }}) as org_id
    from person_licences
    left join person_xref on person_xref.record_id = person_licences.row_id || '#holder'
    left join person on person.person_id = person_xref.person_id

    union all

    select
        {%- for column in licence_columns %}
        org_licences.{{ column }},
        {%- endfor %}
        cast(org_licences.holder_code as {{ varchar() }}) as holder_code,
        'dzzz__org_licence' as source,
        cast(null as {{ varchar() }}) as person_id,
        organization.org_id
    from org_licences
    left join org_xref on org_xref.record_id = org_licences.row_id || '#holder'
    left join organization on organization.org_id = org_xref.org_id

),

latest as (

    select *
    from licences
    where licence_id is not null
    qualify row_number() over (partition by licence_id order by delivery_date desc, row_id desc) = 1

),

final as (

    select
        licence_id,
        licence_name,
        type_code,
        licence_no,
        issuer,
        issuer_code,
        issue_date,
        holder_kind,
        holder,
        holder_code,
        holder_code_type,
        coalesce(is_holder_code_valid, false) as is_holder_code_valid,
        person_id,
        org_id,
        coalesce(person_id, org_id) is not null as is_holder_resolved,
        valid_from,
        valid_to,
        status,
        -- validity on the as-of date: a cancelled licence stays cancelled; otherwise its period
        case
            when status in ('注销', '撤销', '吊销') then '注销'
            when valid_to is not null and valid_to < {{ as_of_date() }} then '过期'
            when coalesce(valid_from, issue_date) > {{ as_of_date() }} then '未生效'
            else '有效'
        end as status_as_of,
        coalesce(status not in ('注销', '撤销', '吊销'), true)
            and (valid_to is null or valid_to >= {{ as_of_date() }})
            and coalesce(valid_from, issue_date) <= {{ as_of_date() }} as is_valid_as_of,
        {{ as_of_date() }} as as_of_date,
        source,
        row_id,
        source_file,
        source_line,
        cast(delivery_date as date) as delivery_date
    from latest

)

select * from final
