{#- A staging model's query, derived from its generated source YAML (from the contract): lineage
    first, then every contract column renamed from its delivered header to its English name and
    standardised by the project's one implementation of each standard (the std_* UDFs registered
    by pipelines.standards.dbt_plugin).

    Each column's distinct delivered values are standardised once (a `std_<n>` CTE: raw value ->
    outputs) and joined back. Deliveries repeat values heavily (every snapshot repeats every
    resident; months repeat accounts, dates and amounts), and the UDFs cost a Python call per
    2048-row vector: standardising per distinct value cut the county staging CPU several-fold.
    NULL is a value like any other here (`is not distinct from`), so every row, empty cells
    included, gets exactly what the UDF says for it. -#}
{% macro stage_contract(source_name, table_name) -%}
    {%- if not execute -%}{{ return('select * from ' ~ source(source_name, table_name)) }}{%- endif -%}
    {%- set node = source_node(source_name, table_name) -%}
    {%- if node is none -%}
        {{ exceptions.raise_compiler_error("no source " ~ source_name ~ "." ~ table_name) }}
    {%- endif -%}
    {%- set columns = node.columns.values() | list -%}
with source as (

    select * from {{ source(source_name, table_name) }}

)
{%- for column in columns if column.meta.standardiser not in passthrough_standardisers() %},

std_{{ loop.index }} as (

    select raw, {{ stage_value('raw', column.meta.standardiser, column.meta.name) }}
    from (select distinct {{ adapter.quote(column.name) }} as raw from source)

)
{%- endfor %}

select
    {{ row_id(node.meta.source) }} as row_id,
    source._batch_id as batch_id,
    source._file as source_file,
    source._line as source_line,
    cast(source._delivery_date as date) as delivery_date,
    {% if node.meta.delivery_mode == 'snapshot' -%}
    cast(source._delivery_date as date) = max(cast(source._delivery_date as date)) over () as is_current,
    {%- else -%}
    true as is_current,
    {%- endif %}
    source._extras as extras
    {%- set ns = namespace(n=0) -%}
    {%- for column in columns %},
    {% if column.meta.standardiser in passthrough_standardisers() -%}
    source.{{ adapter.quote(column.name) }} as {{ column.meta.name }}
    {%- else -%}
    {%- set ns.n = ns.n + 1 -%}
    std_{{ ns.n }}.* exclude (raw)
    {%- endif -%}
    {%- endfor %}
from source
{%- set ns.n = 0 -%}
{%- for column in columns if column.meta.standardiser not in passthrough_standardisers() %}
{%- set ns.n = ns.n + 1 %}
left join std_{{ ns.n }} on std_{{ ns.n }}.raw is not distinct from source.{{ adapter.quote(column.name) }}
{%- endfor %}
{%- endmacro %}


{#- Standardisers whose values pass through as delivered (no std_* function applies). -#}
{% macro passthrough_standardisers() -%}
    {{ return(['geometry', 'json']) }}
{%- endmacro %}


{% macro source_node(source_name, table_name) -%}
    {%- for node in graph.sources.values() -%}
        {%- if node.source_name == source_name and node.name == table_name -%}
            {{ return(node) }}
        {%- endif -%}
    {%- endfor -%}
    {{ return(none) }}
{%- endmacro %}


{#- <source>:<first 12 hex of the file's SHA-256>:<line>, as design.md defines a delivered row. -#}
{% macro row_id(source) -%}
    '{{ source }}:' || left(source._sha256, 12) || ':' || source._line
{%- endmacro %}


{#- One standardised column (and its validity flag for the coded national standards). -#}
{% macro stage_value(expr, standardiser, name) -%}
    {%- if standardiser == 'id_number' -%}
        std_id_number({{ expr }}) as {{ name }},
        std_id_valid({{ expr }}) as is_{{ name }}_valid
    {%- elif standardiser == 'credit_code' -%}
        std_credit_code({{ expr }}) as {{ name }},
        std_credit_code_valid({{ expr }}) as is_{{ name }}_valid
    {%- elif standardiser == 'org_code' -%}
        std_org_code({{ expr }}) as {{ name }},
        std_org_code_valid({{ expr }}) as is_{{ name }}_valid
    {%- elif standardiser == 'division_code' -%}
        std_division_current({{ expr }}) as {{ name }},
        std_division_valid({{ expr }}) as is_{{ name }}_valid
    {%- elif standardiser == 'date' -%}
        std_date({{ expr }}) as {{ name }}
    {%- elif standardiser == 'timestamp' -%}
        coalesce(try_cast(std_halfwidth({{ expr }}) as timestamp), cast(std_date({{ expr }}) as timestamp)) as {{ name }}
    {%- elif standardiser == 'phone' -%}
        std_phone({{ expr }}) as {{ name }}
    {%- elif standardiser == 'amount' -%}
        std_amount({{ expr }}) as {{ name }}
    {%- elif standardiser == 'integer' -%}
        try_cast(replace(std_halfwidth({{ expr }}), ',', '') as bigint) as {{ name }}
    {%- elif standardiser == 'decimal' -%}
        try_cast(replace(std_halfwidth({{ expr }}), ',', '') as decimal(20, 6)) as {{ name }}
    {%- elif standardiser == 'gender' -%}
        std_gender({{ expr }}) as {{ name }}
    {%- elif standardiser == 'boolean' -%}
        std_boolean({{ expr }}) as {{ name }}
    {%- elif standardiser == 'name' -%}
        std_name({{ expr }}) as {{ name }}
    {%- else -%}
        std_text({{ expr }}) as {{ name }}
    {%- endif -%}
{%- endmacro %}
