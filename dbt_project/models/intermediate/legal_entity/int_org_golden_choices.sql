{{ config(materialized='table') }}
-- The survivorship choice of each golden organisation attribute (var 'survivorship'): per
-- organisation the winning value, the source and record that supplied it, and its check.
with resolved as (

    select * from {{ ref('int_org_records_resolved') }}

),

orgs as (

    select distinct org_id from resolved

),

{%- set attributes = {
    'name': 'true', 'uscc': 'is_uscc_valid', 'legal_rep': 'is_legal_rep_valid',
    'address': 'is_address_valid', 'phone': 'is_phone_valid', 'established': 'is_established_valid'} %}
{% for attribute, valid in attributes.items() %}
golden_{{ attribute }} as (

    {{ golden_attribute('resolved', 'org', 'org_id', attribute, valid) }}

),
{% endfor %}

final as (

    select
        orgs.org_id,
        {%- for attribute in attributes %}
        golden_{{ attribute }}.{{ attribute }},
        golden_{{ attribute }}.{{ attribute }}_source,
        golden_{{ attribute }}.{{ attribute }}_record_id,
        golden_{{ attribute }}.is_{{ attribute }}_valid{{ ',' if not loop.last }}
        {%- endfor %}
    from orgs
    {%- for attribute in attributes %}
    left join golden_{{ attribute }} using (org_id)
    {%- endfor %}

)

select * from final
