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
            {%- do fields.append(('k' ~ loop.index, 'not ' ~ valid_column)) -%}
        {%- elif criterion == 'agreement' -%}
            {%- do fields.append(('k' ~ loop.index, '-' ~ agreement_column)) -%}
        {%- elif criterion == 'priority' -%}
            {%- do fields.append(('k' ~ loop.index, source_rank(entity, attribute))) -%}
        {%- elif criterion == 'recency' -%}
            {%- do fields.append(('k' ~ loop.index, 'coalesce(-' ~ days_between("date '1970-01-01'", 'cast(delivery_date as date)') ~ ', 0)')) -%}
        {%- elif criterion == 'completeness' -%}
            {%- do fields.append(('k' ~ loop.index, '-completeness')) -%}
        {%- else -%}
            {{ exceptions.raise_compiler_error("survivorship: unknown criterion '" ~ criterion ~ "' for " ~ entity ~ "." ~ attribute) }}
        {%- endif -%}
    {%- endfor -%}
    {%- do fields.append(('k_record', 'record_id')) -%}
    {{ struct_of(fields) }}
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
            {{ pick_min(
                struct_of([('value', attribute), ('source', 'source'), ('record_id', 'record_id'), ('is_valid', 'is_valid')]),
                survivorship_key(entity, attribute)) }} as pick
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


{#- The same criteria packed into one BIGINT, compared as a number (arg_min over a struct key
    costs several times more at county scale). Bit layout, most significant first:

      criteria  each criterion of the declared order in a fixed-width field, smaller wins:
                valid 1 bit (0 = passes its check), agreement 5 bits (31 - sources),
                priority (the rank, as wide as the source list needs), recency 17 bits
                (65536 - days since 1970; no delivery date counts as 1970-01-01, as in
                survivorship_key), completeness 3 bits (7 - fields held)
      record    30 bits: the record's record_seq (its position in record_id order), the last
                tie-break, so that no two records share a key
      valid     1 bit: 1 when the value passes its check (read back as is_<attribute>_valid;
                below the record, it never decides)

    A value outside its field (a delivery after 2149, more than 31 agreeing sources, a
    record_seq of 2^30 or more) stops the build with an error rather than ranking wrongly.
    With `agreement_column` none the agreement field holds 31 (no source counted yet):
    golden_choices subtracts the count later (survivorship_agreement_shift). -#}
{% macro survivorship_fields(entity, attribute) -%}
    {%- set rule = survivorship_rule(entity, attribute) -%}
    {%- set fields = [] -%}
    {%- for criterion in rule['order'] -%}
        {%- if criterion == 'valid' -%}{%- do fields.append(('valid', 1)) -%}
        {%- elif criterion == 'agreement' -%}{%- do fields.append(('agreement', 5)) -%}
        {%- elif criterion == 'priority' -%}
            {%- set ns = namespace(width=1) -%}
            {%- for _ in range(12) -%}{%- if 2 ** ns.width <= (rule['sources'] | length) + 1 -%}{%- set ns.width = ns.width + 1 -%}{%- endif -%}{%- endfor -%}
            {%- do fields.append(('priority', ns.width)) -%}
        {%- elif criterion == 'recency' -%}{%- do fields.append(('recency', 17)) -%}
        {%- elif criterion == 'completeness' -%}{%- do fields.append(('completeness', 3)) -%}
        {%- else -%}
            {{ exceptions.raise_compiler_error("survivorship: unknown criterion '" ~ criterion ~ "' for " ~ entity ~ "." ~ attribute) }}
        {%- endif -%}
    {%- endfor -%}
    {%- set total = fields | sum(attribute=1) -%}
    {%- if total > 32 -%}
        {{ exceptions.raise_compiler_error("survivorship: the criteria of " ~ entity ~ "." ~ attribute ~ " need " ~ total ~ " bits, at most 32 fit the key") }}
    {%- endif -%}
    {{ return(fields) }}
{%- endmacro %}


{#- Bit position of the agreement field in the packed key (none when not a criterion). -#}
{% macro survivorship_agreement_shift(entity, attribute) -%}
    {%- set ns = namespace(shift=63, found=none) -%}
    {%- for name, width in survivorship_fields(entity, attribute) -%}
        {%- set ns.shift = ns.shift - width -%}
        {%- if name == 'agreement' -%}{%- set ns.found = ns.shift -%}{%- endif -%}
    {%- endfor -%}
    {{ return(ns.found) }}
{%- endmacro %}


{% macro _bounded(expr, width, what) -%}
    case when ({{ expr }}) between 0 and {{ 2 ** width - 1 }} then ({{ expr }})::bigint
         else {{ raise_sql_error("'survivorship key: ' || " ~ what ~ " || ' out of range: ' || coalesce(cast((" ~ expr ~ ") as " ~ varchar() ~ "), 'null')") }} end
{%- endmacro %}


{% macro survivorship_packed_key(entity, attribute, valid_column, agreement_column=none, seq_column='record_seq') -%}
    {%- set ns = namespace(shift=63, terms=[]) -%}
    {%- for name, width in survivorship_fields(entity, attribute) -%}
        {%- set ns.shift = ns.shift - width -%}
        {%- if name == 'valid' -%}{%- set value = 'case when ' ~ valid_column ~ ' then 0 else 1 end' -%}
        {%- elif name == 'agreement' -%}
            {%- set value = _bounded('31 - ' ~ (agreement_column if agreement_column is not none else '0'), 5, "'agreeing sources'") -%}
        {%- elif name == 'priority' -%}{%- set value = source_rank(entity, attribute) -%}
        {%- elif name == 'recency' -%}
            {%- set value = _bounded("65536 - coalesce(" ~ days_between("date '1970-01-01'", 'cast(delivery_date as date)') ~ ", 0)", 17, "'delivery date'") -%}
        {%- elif name == 'completeness' -%}{%- set value = _bounded('7 - completeness', 3, "'completeness'") -%}
        {%- endif -%}
        {%- do ns.terms.append(shift_left('(' ~ value ~ ')::bigint', ns.shift)) -%}
    {%- endfor -%}
    {%- do ns.terms.append(shift_left(_bounded(seq_column, 30, "'record_seq'"), 1)) -%}
    {%- do ns.terms.append('(case when ' ~ valid_column ~ ' then 1 else 0 end)') -%}
    ({{ ns.terms | join(' + ') }})
{%- endmacro %}


{#- Every golden attribute of an entity in one pass over its records: per attribute the minimum
    packed key (survivorship_packed_key) and the value it belongs to. The key also carries the
    winning record (record_seq) and whether its value passed its check; the source comes back
    as a small code (the sources numbered in name order), so no string rides along with the
    keys (declared_sources). The choice is the one survivorship_key and golden_attribute make.

    An attribute whose order has `agreement` is chosen in two steps, so that no count is joined
    back onto every record: per entity and value, how many distinct sources give it and its best
    record (all records of one value share that count, so ranking them without it ranks them
    the same); then per entity, the best value with its count subtracted into its key.

    relation: records with the entity id, `source`, `record_seq`, `delivery_date`,
    `completeness` and the attribute columns. attributes: {attribute: valid_expr}. extra:
    {column: aggregate} computed in the same pass (counts), over the entity id, `source`,
    `_source_code`, `delivery_date`, `completeness` and the attribute columns.
    Returns per entity <attribute>, <attribute>_source, <attribute>_record_seq and
    is_<attribute>_valid for every attribute, then the extra columns. -#}
{% macro golden_choices(relation, entity, entity_id, attributes, extra={}) -%}
    {%- set agreed = [] -%}
    {%- set plain = [] -%}
    {%- for attribute in attributes -%}
        {%- if 'agreement' in survivorship_rule(entity, attribute)['order'] -%}{%- do agreed.append(attribute) -%}
        {%- else -%}{%- do plain.append(attribute) -%}{%- endif -%}
    {%- endfor -%}
    {%- set names = declared_sources() -%}
    with _candidates as {{ cte_hint('not materialized') }} (

        -- only the columns the aggregates read (a CTE read three times could be materialized)
        select
            _records.{{ entity_id }},
            _records.source,
            _records.delivery_date,
            _records.completeness,
            _records.record_seq,
            {{ source_code('_records.source') }} as _source_code
            {%- for attribute in attributes %},
            _records.{{ attribute }}
            {%- endfor %}
            {%- for attribute, valid_expr in attributes.items() %},
            case when _records.{{ attribute }} is not null then
                {{ survivorship_packed_key(entity, attribute, 'coalesce(' ~ valid_expr ~ ', false)') }}
            end as _key_{{ attribute }}
            {%- endfor %}
        from {{ relation }} as _records

    ),

    _plain as (

        select
            {{ entity_id }}
            {%- for attribute in plain %},
            min(_key_{{ attribute }}) as _key_{{ attribute }},
            {{ pick_min(attribute, '_key_' ~ attribute) }} as _value_{{ attribute }},
            {{ pick_min('_source_code', '_key_' ~ attribute) }} as _code_{{ attribute }}
            {%- endfor %}
            {%- for column, aggregate in extra.items() %},
            {{ aggregate }} as {{ column }}
            {%- endfor %}
        from _candidates
        group by {{ entity_id }}

    )
    {%- for attribute in agreed %}
    {%- set shift = survivorship_agreement_shift(entity, attribute) %},

    _values_{{ attribute }} as (

        -- each value of the entity: its best record (key without the count) and its sources
        select
            {{ entity_id }},
            {{ attribute }} as _value,
            min(_key_{{ attribute }}) as _key,
            {{ pick_min('_source_code', '_key_' ~ attribute) }} as _code,
            bit_count(bit_or({{ shift_left('1::bigint', '_source_code') }})) as _n_sources
        from _candidates
        where {{ attribute }} is not null
        group by {{ entity_id }}, {{ attribute }}

    ),

    _agreed_{{ attribute }} as (

        select
            {{ entity_id }},
            min(_ranked) as _key_{{ attribute }},
            {{ pick_min('_value', '_ranked') }} as _value_{{ attribute }},
            {{ pick_min('_code', '_ranked') }} as _code_{{ attribute }}
        from (
            select
                *,
                _key - {{ shift_left(_bounded('_n_sources', 5, "'agreeing sources'"), shift) }} as _ranked
            from _values_{{ attribute }}
        ) as _values
        group by {{ entity_id }}

    )
    {%- endfor %}

    select
        _plain.{{ entity_id }}
        {%- for attribute in attributes %},
        _value_{{ attribute }} as {{ attribute }},
        {{ text_list_item(names, '_code_' ~ attribute) }} as {{ attribute }}_source,
        {{ shift_right('_key_' ~ attribute, 1) }} & {{ 2 ** 30 - 1 }} as {{ attribute }}_record_seq,
        case when _key_{{ attribute }} is not null then (_key_{{ attribute }} & 1) = 1 end as is_{{ attribute }}_valid
        {%- endfor %}
        {%- for column in extra %},
        {{ column }}
        {%- endfor %}
    from _plain
    {%- for attribute in agreed %}
    left join _agreed_{{ attribute }} using ({{ entity_id }})
    {%- endfor %}
{%- endmacro %}


{#- Every source the project declares (the `source` meta of the generated source YAML, from the
    contracts), in name order: survivorship numbers them 0-62 so that a source rides in an
    aggregate as a small integer and a value's distinct sources are counted as bits. -#}
{% macro declared_sources() -%}
    {%- if not execute -%}{{ return([]) }}{%- endif -%}
    {%- set names = [] -%}
    {%- for node in graph.get('sources', {}).values() -%}
        {%- set name = node.meta.get('source') -%}
        {%- if name and name not in names -%}{%- do names.append(name) -%}{%- endif -%}
    {%- endfor -%}
    {%- if not names -%}
        {#- a unit test compiles without the project's graph: the sources the survivorship rules
            name (the numbering only has to be the same within one query) -#}
        {%- set rules = var('survivorship') -%}
        {%- for entity, entity_rules in rules.items() if entity_rules is mapping -%}
            {%- for attribute in entity_rules -%}
                {%- for name in survivorship_rule(entity, attribute)['sources'] -%}
                    {%- if name not in names -%}{%- do names.append(name) -%}{%- endif -%}
                {%- endfor -%}
            {%- endfor -%}
        {%- endfor -%}
    {%- endif -%}
    {%- if names | length > 63 -%}
        {{ exceptions.raise_compiler_error("survivorship: more than 63 declared sources, a BIGINT cannot hold a bit for each") }}
    {%- endif -%}
    {{ return(names | sort) }}
{%- endmacro %}


{#- A source's number in declared_sources(); a source the project does not declare stops the
    build (it could not be counted). -#}
{% macro source_code(column) -%}
    case {{ column }}
    {%- for name in declared_sources() %}
        when '{{ name }}' then {{ loop.index0 }}
    {%- endfor %}
        else {{ raise_sql_error("'survivorship: ' || coalesce(" ~ column ~ ", 'null') || ' is not a declared source'") }}
    end
{%- endmacro %}
