{#- A staging model's query, derived from its generated source YAML (from the contract): lineage
    first, then every contract column renamed from its delivered header to its English name and
    standardised by the project's one implementation of each standard (the std_* UDFs registered
    by pipelines.standards.dbt_plugin).

    Each column's distinct delivered values are standardised once (a `std_<n>` CTE: raw value ->
    outputs) and joined back. Deliveries repeat values heavily (every snapshot repeats every
    resident; months repeat accounts, dates and amounts). The distinct values go to their
    `std_lookup_<kind>` function as one list (`list(raw)`), so the Polars series functions run
    once over the whole column: a scalar UDF is called per 2048-row vector, and that per-call
    overhead cost several times the work itself. The coded standards return value and validity
    from one normalisation. NULL is a value like any other here (`list` keeps it, the join is
    `is not distinct from`), so every row, empty cells included, gets exactly what the
    standard says for it.

    `source` is not materialised: each lookup reads only its own column of the raw table, and
    the latest delivery of a snapshot comes from one aggregate (a window over the whole table
    would buffer every row). -#}
{% macro stage_contract(source_name, table_name) -%}
    {{- adapter.dispatch('stage_contract')(source_name, table_name) -}}
{%- endmacro %}


{#- DuckDB: each column's distinct values go to their list lookup function at once. -#}
{% macro default__stage_contract(source_name, table_name) -%}
    {%- if not execute -%}{{ return('select * from ' ~ source(source_name, table_name)) }}{%- endif -%}
    {%- set node = source_node(source_name, table_name) -%}
    {%- if node is none -%}
        {{ exceptions.raise_compiler_error("no source " ~ source_name ~ "." ~ table_name) }}
    {%- endif -%}
    {%- set columns = node.columns.values() | list -%}
with source as not materialized (

    select * from {{ source(source_name, table_name) }}

)
{%- for column in columns if column.meta.standardiser not in passthrough_standardisers() %},

std_{{ loop.index }} as (

    select s.raw, {{ stage_value('s', column.meta.standardiser, column.meta.name) }}
    from (
        select unnest(std_lookup_{{ stage_lookup(column.meta.standardiser) }}(list(raw))) as s
        from (select distinct {{ adapter.quote(column.name) }} as raw from source)
    )

)
{%- endfor %}

select
    {{ stage_lineage_columns(node) }}
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


{#- Which std_lookup_<kind> function standardises a column's values (pipelines/standards/duckdb_udfs.py):
    each returns, for a list of raw values, the list of {raw, outputs} structs. -#}
{% macro stage_lookup(standardiser) -%}
    {%- if standardiser in ['id_number', 'credit_code', 'org_code', 'division_code', 'date', 'timestamp',
                            'phone', 'amount', 'gender', 'boolean', 'name'] -%}
        {{ return(standardiser) }}
    {%- elif standardiser in ['integer', 'decimal'] -%}
        {{ return('halfwidth') }}
    {%- else -%}
        {{ return('text') }}
    {%- endif -%}
{%- endmacro %}


{#- One standardised column (and its validity flag for the coded national standards), from the
    fields of its lookup struct `s`: `value` (and `valid`), or the half-width text and parsed date
    the SQL casts of integers, decimals and timestamps start from. -#}
{% macro stage_value(s, standardiser, name) -%}
    {%- if standardiser in ['id_number', 'credit_code', 'org_code', 'division_code'] -%}
        {{ s }}.value as {{ name }},
        {{ s }}.valid as is_{{ name }}_valid
    {%- elif standardiser == 'timestamp' -%}
        coalesce(try_cast({{ s }}.halfwidth as timestamp), cast({{ s }}.date as timestamp)) as {{ name }}
    {%- elif standardiser == 'integer' -%}
        try_cast(replace({{ s }}.value, ',', '') as bigint) as {{ name }}
    {%- elif standardiser == 'decimal' -%}
        try_cast(replace({{ s }}.value, ',', '') as decimal(20, 6)) as {{ name }}
    {%- else -%}
        {{ s }}.value as {{ name }}
    {%- endif -%}
{%- endmacro %}


{# The lineage columns every staging model starts with (both engines' stage_contract): the
   row's identity, its batch, file and line, its delivery date, whether it is in the current
   snapshot, and the columns the contract did not name. #}
{% macro stage_lineage_columns(node) -%}
{{ row_id(node.meta.source) }} as row_id,
    source._batch_id as batch_id,
    source._file as source_file,
    source._line as source_line,
    cast(source._delivery_date as date) as delivery_date,
    {% if node.meta.delivery_mode == 'snapshot' -%}
    cast(source._delivery_date as date) = (select max(cast(_delivery_date as date)) from source) as is_current,
    {%- else -%}
    true as is_current,
    {%- endif %}
    source._extras as extras
{%- endmacro %}
