{{ config(materialized='table', pre_hook=write_uncompressed(), post_hook=write_compressed()) }}
-- Every row of every snapshot of the registers that hold organisations (market regulation's
-- enterprises and individual businesses, civil affairs' social organisations, health's medical
-- institutions, the tax register), each tied to its resolved organisation: the registers'
-- observations of name, representative and status over time. Rows of current snapshots carry
-- their own organisation id (er.org_xref); earlier rows get the organisation of the current row
-- of the same register with the same credit code, else of any record with that code.
{%- set registers = [
    {'source': 'shichang__enterprise', 'model': 'stg_shichang__enterprise', 'kind': '企业',
     'uscc': 'uscc', 'legal_rep': 'legal_rep', 'status': 'status', 'type': 'enterprise_type',
     'capital': 'capital', 'deregistered': 'deregistered', 'industry': 'null'},
    {'source': 'shichang__individual_business', 'model': 'stg_shichang__individual_business',
     'kind': '个体工商户', 'uscc': 'uscc', 'legal_rep': 'operator', 'status': 'status',
     'type': 'form', 'capital': 'null', 'deregistered': 'null', 'industry': 'null'},
    {'source': 'minzheng__social_organization', 'model': 'stg_minzheng__social_organization',
     'kind': '社会组织', 'uscc': 'uscc', 'legal_rep': 'legal_rep', 'status': 'status',
     'type': 'org_type', 'capital': 'capital', 'deregistered': 'null', 'industry': 'null'},
    {'source': 'weijian__medical_institution', 'model': 'stg_weijian__medical_institution',
     'kind': '医疗机构', 'uscc': 'uscc', 'legal_rep': 'legal_rep', 'status': 'null',
     'type': 'category', 'capital': 'null', 'deregistered': 'null', 'industry': 'null'},
    {'source': 'shuiwu__taxpayer', 'model': 'stg_shuiwu__taxpayer', 'kind': '纳税人',
     'uscc': 'taxpayer_id', 'legal_rep': 'legal_rep', 'status': 'status',
     'type': 'registration_type', 'capital': 'null', 'deregistered': 'null', 'industry': 'industry'},
] %}
with xref as (

    select * from {{ source('er', 'org_xref') }}

),

resolved as (

    select * from {{ ref('int_org_records_resolved') }}

),

rows as {{ cte_hint('materialized') }} (

    {%- for r in registers %}
    select
        '{{ r.source }}' as source,
        '{{ r.kind }}' as register_kind,
        row_id,
        row_id || '#self' as record_id,
        batch_id,
        source_file,
        source_line,
        cast(delivery_date as date) as delivery_date,
        is_current,
        cast({{ r.uscc }} as {{ varchar() }}) as uscc,
        cast(name as {{ varchar() }}) as name,
        cast({{ r.legal_rep }} as {{ varchar() }}) as legal_rep,
        cast({{ r.status }} as {{ varchar() }}) as registration_status,
        cast({{ r.type }} as {{ varchar() }}) as org_type,
        cast({{ r.capital }} as decimal(20, 2)) as registered_capital,
        cast({{ r.deregistered }} as date) as deregistered_date,
        cast({{ r.industry }} as {{ varchar() }}) as industry
    from {{ ref(r.model) }}
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}

),

current_rows as (

    select rows.source, rows.row_id, rows.uscc, xref.org_id
    from rows
    inner join xref on xref.source = rows.source and xref.record_id = rows.record_id
    where rows.is_current

),

org_by_register_key as (

    select source, uscc, org_id
    from current_rows
    where uscc is not null
    qualify row_number() over (partition by source, uscc order by org_id) = 1

),

org_by_code as (

    select uscc, org_id
    from (
        select uscc, org_id, count(*) as n_records
        from resolved
        where uscc is not null
        group by uscc, org_id
    ) as counted
    qualify row_number() over (partition by uscc order by n_records desc, org_id) = 1

),

final as (

    select
        coalesce(current_rows.org_id, org_by_register_key.org_id, org_by_code.org_id) as org_id,
        rows.*
    from rows
    left join current_rows on current_rows.source = rows.source and current_rows.row_id = rows.row_id
    left join org_by_register_key
        on org_by_register_key.source = rows.source and org_by_register_key.uscc = rows.uscc
    left join org_by_code on org_by_code.uscc = rows.uscc

)

select * from final
where org_id is not null
-- one row per organisation, register and snapshot (a double entry counts once)
qualify row_number() over (partition by org_id, source, delivery_date order by source_file, source_line) = 1
