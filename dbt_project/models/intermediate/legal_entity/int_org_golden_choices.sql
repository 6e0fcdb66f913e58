{{ config(materialized='table', pre_hook=write_uncompressed(), post_hook=write_compressed()) }}
-- The survivorship choice of each golden organisation attribute (var 'survivorship'): per
-- organisation the winning value, the source and record that supplied it, and its check.
{%- set attributes = {
    'name': 'true', 'uscc': 'is_uscc_valid', 'legal_rep': 'is_legal_rep_valid',
    'address': 'is_address_valid', 'phone': 'is_phone_valid', 'established': 'is_established_valid'} %}
with resolved as {{ cte_hint('not materialized') }} (

    select * from {{ ref('int_org_records_resolved') }}

),

final as (

    {{ golden_choices('resolved', 'org', 'org_id', attributes) }}

)

select * from final
