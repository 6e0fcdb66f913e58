{#- Survivorship: how a golden attribute is chosen among the records of one resolved entity.

    The rules are declared once, in dbt_project.yml (var `survivorship`):

      survivorship:
        order: [valid, priority, recency, completeness]      # the default order of criteria
        person:
          name: {sources: [gongan__household_register, ...], order: [agreement, priority, ...]}
          phone: [gongan__household_register, ...]          # a bare list = sources, default order

    Criteria (each one only breaks the ties the previous ones left):
      valid        values passing the attribute's standard check first (a checksum-failing ID
                   number is used only when no valid one exists)
      agreement    values supplied by more distinct sources first
      priority     the attribute's source priority list; unlisted sources rank after listed ones
      recency      the most recent delivery first
      completeness the record holding more of the entity's fields first
    The record id breaks any remaining tie, so the choice is deterministic. The choice is made
    by arg_min over one sortable key per candidate (survivorship_key), per entity. -#}

{% macro survivorship_rule(entity, attribute) -%}
    {%- set rules = var('survivorship') -%}
    {%- set rule = rules.get(entity, {}).get(attribute, []) -%}
    {%- set default_order = rules.get('order', ['valid', 'priority', 'recency', 'completeness']) -%}
    {%- if rule is mapping -%}
        {{ return({'sources': rule.get('sources', []), 'order': rule.get('order', default_order)}) }}
    {%- else -%}
        {{ return({'sources': rule, 'order': default_order}) }}
    {%- endif -%}
{%- endmacro %}


{#- Rank of a source for one golden attribute. Lower wins; unlisted sources rank last. -#}
{% macro source_rank(entity, attribute, source_column='source') -%}
    {%- set order = survivorship_rule(entity, attribute)['sources'] -%}
    case {{ source_column }}
    {%- for source in order %}
        when '{{ source }}' then {{ loop.index }}
    {%- endfor %}
        else {{ order | length + 1 }}
    end
{%- endmacro %}


{#- The ORDER BY terms of one attribute's survivorship, from its declared criteria. The
    candidate relation must have: `is_valid`, `n_sources`, `source`, `delivery_date`,
    `completeness`, `record_id`. -#}
{% macro survivorship_order(entity, attribute) -%}
    {%- set terms = [] -%}
    {%- for criterion in survivorship_rule(entity, attribute)['order'] -%}
        {%- if criterion == 'valid' -%}
            {%- do terms.append('is_valid desc') -%}
        {%- elif criterion == 'agreement' -%}
            {%- do terms.append('n_sources desc') -%}
        {%- elif criterion == 'priority' -%}
            {%- do terms.append(source_rank(entity, attribute)) -%}
        {%- elif criterion == 'recency' -%}
            {%- do terms.append('delivery_date desc') -%}
        {%- elif criterion == 'completeness' -%}
            {%- do terms.append('completeness desc') -%}
        {%- else -%}
            {{ exceptions.raise_compiler_error("survivorship: unknown criterion '" ~ criterion ~ "' for " ~ entity ~ "." ~ attribute) }}
        {%- endif -%}
    {%- endfor -%}
    {%- do terms.append('record_id') -%}
    {{ terms | join(', ') }}
{%- endmacro %}


{#- The same criteria as one sortable key (a struct compared field by field): the smallest key
    wins. Used with arg_min, which picks per entity without sorting all candidates. -#}
{% macro survivorship_key(entity, attribute, valid_column='is_valid', agreement_column='n_sources') -%}
    {%- set fields = [] -%}
    {%- for criterion in survivorship_rule(entity, attribute)['order'] -%}
        {%- if criterion == 'valid' -%}
            {%- do fields.append('k' ~ loop.index ~ ' := not ' ~ valid_column) -%}
        {%- elif criterion == 'agreement' -%}
            {%- do fields.append('k' ~ loop.index ~ ' := -' ~ agreement_column) -%}
        {%- elif criterion == 'priority' -%}
            {%- do fields.append('k' ~ loop.index ~ ' := ' ~ source_rank(entity, attribute)) -%}
        {%- elif criterion == 'recency' -%}
            {%- do fields.append('k' ~ loop.index ~ " := coalesce(-date_diff('day', date '1970-01-01', cast(delivery_date as date)), 0)") -%}
        {%- elif criterion == 'completeness' -%}
            {%- do fields.append('k' ~ loop.index ~ ' := -completeness') -%}
        {%- else -%}
            {{ exceptions.raise_compiler_error("survivorship: unknown criterion '" ~ criterion ~ "' for " ~ entity ~ "." ~ attribute) }}
        {%- endif -%}
    {%- endfor -%}
    {%- do fields.append('k_record := record_id') -%}
    struct_pack({{ fields | join(', ') }})
{%- endmacro %}


{#- The winning value of an attribute per entity, with the source and record that supplied it
    and whether it passed its standard check.

    relation: records with the entity id, `source`, `record_id`, `delivery_date`, `completeness`
    valid_expr: SQL over the relation's columns saying whether the value passes its check
    value_expr: the value compared for agreement (defaults to the attribute column) -#}
{% macro golden_attribute(relation, entity, entity_id, attribute, valid_expr='true') -%}
    {%- set uses_agreement = 'agreement' in survivorship_rule(entity, attribute)['order'] -%}
    select
        {{ entity_id }},
        pick.value as {{ attribute }},
        pick.source as {{ attribute }}_source,
        pick.record_id as {{ attribute }}_record_id,
        pick.is_valid as is_{{ attribute }}_valid
    from (
        select
            {{ entity_id }},
            arg_min(
                struct_pack(value := {{ attribute }}, source := source, record_id := record_id, is_valid := is_valid),
                {{ survivorship_key(entity, attribute) }}
            ) as pick
        from (
            select
                candidates.*
                {%- if uses_agreement %},
                agreement.n_sources
                {%- else %},
                0 as n_sources
                {%- endif %}
            from (
                select
                    {{ entity_id }},
                    {{ attribute }},
                    source,
                    record_id,
                    delivery_date,
                    completeness,
                    coalesce({{ valid_expr }}, false) as is_valid
                from {{ relation }}
                where {{ attribute }} is not null
            ) as candidates
            {%- if uses_agreement %}
            inner join (
                -- how many distinct sources give each value of the entity
                select {{ entity_id }}, {{ attribute }}, count(distinct source) as n_sources
                from {{ relation }}
                where {{ attribute }} is not null
                group by {{ entity_id }}, {{ attribute }}
            ) as agreement using ({{ entity_id }}, {{ attribute }})
            {%- endif %}
        ) as ranked
        group by {{ entity_id }}
    ) as picked
{%- endmacro %}


{#- Every golden attribute of an entity in one pass: one aggregation over the entity's records
    with one arg_min per attribute (the same choice golden_attribute makes for each alone).

    attributes: {attribute: valid_expr}. Returns per entity <attribute>, <attribute>_source,
    <attribute>_record_id and is_<attribute>_valid for every attribute. -#}
{% macro golden_choices(relation, entity, entity_id, attributes) -%}
    {%- set agreed = [] -%}
    {%- for attribute in attributes -%}
        {%- if 'agreement' in survivorship_rule(entity, attribute)['order'] -%}{%- do agreed.append(attribute) -%}{%- endif -%}
    {%- endfor -%}
    select
        {{ entity_id }}
        {%- for attribute in attributes %},
        _pick_{{ attribute }}.value as {{ attribute }},
        _pick_{{ attribute }}.source as {{ attribute }}_source,
        _pick_{{ attribute }}.record_id as {{ attribute }}_record_id,
        _pick_{{ attribute }}.is_valid as is_{{ attribute }}_valid
        {%- endfor %}
    from (
        select
            {{ entity_id }}
            {%- for attribute in attributes %},
            arg_min(
                struct_pack(value := {{ attribute }}, source := source, record_id := record_id,
                            is_valid := _valid_{{ attribute }}),
                {{ survivorship_key(entity, attribute, '_valid_' ~ attribute, '_n_' ~ attribute) }}
            ) filter (where {{ attribute }} is not null) as _pick_{{ attribute }}
            {%- endfor %}
        from (
            select
                _records.*
                {%- for attribute, valid_expr in attributes.items() %},
                coalesce({{ valid_expr }}, false) as _valid_{{ attribute }}
                {%- endfor %}
                {%- for attribute in attributes %},
                {{ '_agree_' ~ attribute ~ '.n_sources' if attribute in agreed else '0' }} as _n_{{ attribute }}
                {%- endfor %}
            from {{ relation }} as _records
            {%- for attribute in agreed %}
            left join (
                -- how many distinct sources give each value of the entity
                select {{ entity_id }}, {{ attribute }}, count(distinct source) as n_sources
                from {{ relation }}
                where {{ attribute }} is not null
                group by {{ entity_id }}, {{ attribute }}
            ) as _agree_{{ attribute }}
                on _agree_{{ attribute }}.{{ entity_id }} = _records.{{ entity_id }}
                and _agree_{{ attribute }}.{{ attribute }} = _records.{{ attribute }}
            {%- endfor %}
        ) as _candidates
        group by {{ entity_id }}
    ) as _picked
{%- endmacro %}
