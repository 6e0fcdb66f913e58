{{ config(materialized='table') }}
-- The survivorship choice of each golden person attribute (var 'survivorship'): per person the
-- winning value, the source and record that supplied it, and whether it passed its check.
-- One row per resolved person; `person` shapes it, `person_source_record` cites it.
with resolved as (

    select * from {{ ref('int_person_records_resolved') }}

),

people as (

    select distinct person_id from resolved

),

golden_name as (

    {{ golden_attribute('resolved', 'person', 'person_id', 'name') }}

),

golden_id_number as (

    {{ golden_attribute('resolved', 'person', 'person_id', 'id_number', 'is_id_number_valid') }}

),

golden_gender as (

    {{ golden_attribute('resolved', 'person', 'person_id', 'gender', 'is_gender_valid') }}

),

golden_birth_date as (

    {{ golden_attribute('resolved', 'person', 'person_id', 'birth_date', 'is_birth_date_valid') }}

),

golden_phone as (

    {{ golden_attribute('resolved', 'person', 'person_id', 'phone', 'is_phone_valid') }}

),

golden_address as (

    {{ golden_attribute('resolved', 'person', 'person_id', 'address', 'is_address_valid') }}

),

final as (

    select
        people.person_id,
        golden_name.name,
        golden_name.name_source,
        golden_name.name_record_id,
        golden_name.is_name_valid,
        golden_id_number.id_number,
        golden_id_number.id_number_source,
        golden_id_number.id_number_record_id,
        golden_id_number.is_id_number_valid,
        golden_gender.gender,
        golden_gender.gender_source,
        golden_gender.gender_record_id,
        golden_gender.is_gender_valid,
        golden_birth_date.birth_date,
        golden_birth_date.birth_date_source,
        golden_birth_date.birth_date_record_id,
        golden_birth_date.is_birth_date_valid,
        golden_phone.phone,
        golden_phone.phone_source,
        golden_phone.phone_record_id,
        golden_phone.is_phone_valid,
        golden_address.address,
        golden_address.address_source,
        golden_address.address_record_id,
        golden_address.is_address_valid
    from people
    left join golden_name using (person_id)
    left join golden_id_number using (person_id)
    left join golden_gender using (person_id)
    left join golden_birth_date using (person_id)
    left join golden_phone using (person_id)
    left join golden_address using (person_id)

)

select * from final
