{#- Rank of a source for one golden attribute, from var('survivorship') (the one place the
    rules are declared). Lower wins; unlisted sources rank last. -#}
{% macro source_rank(entity, attribute, source_column='source') -%}
    {%- set order = var('survivorship').get(entity, {}).get(attribute, []) -%}
    case {{ source_column }}
    {%- for source in order %}
        when '{{ source }}' then {{ loop.index }}
    {%- endfor %}
        else {{ order | length + 1 }}
    end
{%- endmacro %}


{#- The winning value of an attribute and the source that supplied it, per entity: priority,
    then the most recent delivery, then the most complete record, then the record id (so
    the choice is deterministic). -#}
{% macro golden_attribute(relation, entity, entity_id, attribute) -%}
    select
        {{ entity_id }},
        {{ attribute }},
        source as {{ attribute }}_source
    from {{ relation }}
    where {{ attribute }} is not null
    qualify row_number() over (
        partition by {{ entity_id }}
        order by {{ source_rank(entity, attribute) }}, delivery_date desc,
                 completeness desc, record_id
    ) = 1
{%- endmacro %}
