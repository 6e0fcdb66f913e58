-- Link table: every source record resolved into a golden organisation, with its file, batch and
-- line and the golden attributes it supplied. Grain: one row per organisation record.
with resolved as (

    select * from {{ ref('int_org_records_resolved') }}

),

organization as (

    select org_id from {{ ref('organization') }}

),

supplied as (

    select record_id, string_agg(attribute, ',' order by attribute) as supplied_attributes
    from (
        {%- set attrs = ['name', 'uscc', 'legal_rep', 'address', 'phone', 'established'] %}
        {%- for attribute in attrs %}
        select {{ attribute }}_record_id as record_id, '{{ attribute }}' as attribute
        from {{ ref('int_org_golden_choices') }}
        where {{ attribute }}_record_id is not null
        {% if not loop.last %}union all{% endif %}
        {%- endfor %}
    ) as choices
    group by record_id

),

final as (

    select
        resolved.org_id,
        resolved.source,
        resolved.record_id,
        resolved.role,
        resolved.row_id,
        resolved.batch_id,
        resolved.source_file,
        resolved.source_line,
        cast(resolved.delivery_date as date) as delivery_date,
        supplied.supplied_attributes
    from resolved
    inner join organization using (org_id)
    left join supplied on supplied.record_id = resolved.record_id

)

select * from final
