-- The golden person: one row per resolved person, every attribute chosen by the survivorship
-- rules (var 'survivorship') with the source that supplied it.
with resolved as (

    select * from {{ ref('int_person_records_resolved') }}

),

people as (

    select
        person_id,
        count(*) as record_count,
        count(distinct source) as source_count
    from resolved
    group by person_id

),

{% for attribute in ['name', 'id_number', 'gender', 'birth_date', 'phone', 'address'] %}
golden_{{ attribute }} as (

    {{ golden_attribute('resolved', 'person', 'person_id', attribute) }}

),
{% endfor %}

residence as (

    select * from {{ ref('int_person_residence') }}

),

golden as (

    select
        people.person_id,
        golden_name.name,
        golden_name.name_source,
        golden_id_number.id_number,
        golden_id_number.id_number_source,
        golden_gender.gender,
        golden_gender.gender_source,
        try_cast(golden_birth_date.birth_date as date) as birth_date,
        golden_birth_date.birth_date_source,
        golden_phone.phone,
        golden_phone.phone_source,
        golden_address.address,
        golden_address.address_source,
        residence.household_no,
        residence.township_code,
        residence.register_status,
        people.record_count,
        people.source_count
    from people
    left join golden_name using (person_id)
    left join golden_id_number using (person_id)
    left join golden_gender using (person_id)
    left join golden_birth_date using (person_id)
    left join golden_phone using (person_id)
    left join golden_address using (person_id)
    left join residence using (person_id)

)

select * from golden
