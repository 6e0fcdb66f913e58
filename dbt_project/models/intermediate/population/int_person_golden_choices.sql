{{ config(materialized='table', pre_hook=write_uncompressed(), post_hook=write_compressed()) }}
-- The survivorship choice of each golden person attribute (var 'survivorship'): per person the
-- winning value, the source and record (record_seq) that supplied it, and whether it passed its
-- check, and in the same pass how many records and sources the person has and when they were
-- delivered. One row per resolved person; `person` shapes it, `person_source_record` cites it.
{%- set attributes = {
    'name': 'true',
    'id_number': 'is_id_number_valid',
    'gender': 'is_gender_valid',
    'birth_date': 'is_birth_date_valid',
    'phone': 'is_phone_valid',
    'address': 'is_address_valid'} %}
with resolved as {{ cte_hint('not materialized') }} (

    select * from {{ ref('int_person_records_resolved') }}

),

final as (

    {{ golden_choices('resolved', 'person', 'person_id', attributes, extra={
        'record_count': 'count(*)',
        'source_count': 'cast(bit_count(bit_or(' ~ shift_left('1::bigint', '_source_code') ~ ')) as bigint)',
        'first_delivery_date': 'cast(min(delivery_date) as date)',
        'last_delivery_date': 'cast(max(delivery_date) as date)',
        'has_residence_permit': "bool_or(source = 'gongan__residence_permit')"}) }}

)

select * from final
