{{ config(materialized='table', pre_hook=write_uncompressed(), post_hook=write_compressed()) }}
-- The survivorship choice of each golden person attribute (var 'survivorship'): per person the
-- winning value, the source and record that supplied it, and whether it passed its check.
-- One row per resolved person; `person` shapes it, `person_source_record` cites it.
{%- set attributes = {
    'name': 'true',
    'id_number': 'is_id_number_valid',
    'gender': 'is_gender_valid',
    'birth_date': 'is_birth_date_valid',
    'phone': 'is_phone_valid',
    'address': 'is_address_valid'} %}
with resolved as (

    select * from {{ ref('int_person_records_resolved') }}

),

final as (

    {{ golden_choices('resolved', 'person', 'person_id', attributes) }}

)

select * from final
