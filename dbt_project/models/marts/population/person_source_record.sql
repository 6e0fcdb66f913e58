-- Link table: every source record resolved into a golden person, with its file, batch and line,
-- and the golden attributes it supplied. Grain: one row per person record
-- (int_person_records: current snapshots and every incremental row).
with resolved as (

    select * from {{ ref('int_person_records_resolved') }}

),

person as (

    select * from {{ ref('person') }}

),

supplied as (

    -- which golden attributes each record supplied (the *_record_id of the survivorship step)
    select record_id, string_agg(attribute, ',' order by attribute) as supplied_attributes
    from (
        {%- set attrs = ['name', 'id_number', 'gender', 'birth_date', 'phone', 'address'] %}
        {%- for attribute in attrs %}
        select {{ attribute }}_record_id as record_id, '{{ attribute }}' as attribute
        from {{ ref('int_person_golden_choices') }}
        where {{ attribute }}_record_id is not null
        {% if not loop.last %}union all{% endif %}
        {%- endfor %}
    ) as choices
    group by record_id

),

final as (

    select
        resolved.person_id,
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
    inner join person on person.person_id = resolved.person_id
    left join supplied on supplied.record_id = resolved.record_id

)

select * from final
