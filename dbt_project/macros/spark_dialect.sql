{#- Spark SQL forms of the macros whose DuckDB SQL Spark does not speak (dispatched with
    adapter.dispatch: `default__` is the DuckDB form, `spark__` the form here). The results are
    the same; tests/spark compares the two builds table by table. -#}

{#- A staging model on Spark (see default__stage_contract for the rules): each column's distinct
    values go through `std_lookup_<kind>(raw)`, which on Spark takes one value per row and returns
    its struct (Spark hands the UDF a batch of rows at a time, as Arrow), and the outputs are
    named in the select list (Spark has no `* exclude`). -#}
{% macro spark__stage_contract(source_name, table_name) -%}
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

    select s.raw, {{ stage_value('s', column.meta.standardiser, column.meta.name) }}
    from (
        select std_lookup_{{ stage_lookup(column.meta.standardiser) }}(raw) as s
        from (select distinct {{ adapter.quote(column.name) }} as raw from source)
    )

)
{%- endfor %}

select
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
    {%- set ns = namespace(n=0) -%}
    {%- for column in columns %},
    {% if column.meta.standardiser in passthrough_standardisers() -%}
    source.{{ adapter.quote(column.name) }} as {{ column.meta.name }}
    {%- else -%}
    {%- set ns.n = ns.n + 1 -%}
    {%- for name in stage_output_names(column.meta.standardiser, column.meta.name) -%}
    {{ ', ' if not loop.first }}std_{{ ns.n }}.{{ name }}
    {%- endfor -%}
    {%- endif -%}
    {%- endfor %}
from source
{%- set ns.n = 0 -%}
{%- for column in columns if column.meta.standardiser not in passthrough_standardisers() %}
{%- set ns.n = ns.n + 1 %}
left join std_{{ ns.n }} on std_{{ ns.n }}.raw <=> source.{{ adapter.quote(column.name) }}
{%- endfor %}
{%- endmacro %}


{#- The columns `stage_value` names for one contract column. -#}
{% macro stage_output_names(standardiser, name) -%}
    {%- if standardiser in ['id_number', 'credit_code', 'org_code', 'division_code'] -%}
        {{ return([name, 'is_' ~ name ~ '_valid']) }}
    {%- else -%}
        {{ return([name]) }}
    {%- endif -%}
{%- endmacro %}


{#- The variable-length text type: DuckDB's `varchar`; Spark's `string` (Spark's VARCHAR needs a
    length). -#}
{% macro varchar() -%}
    {{- adapter.dispatch('varchar')() -}}
{%- endmacro %}

{% macro default__varchar() -%}varchar{%- endmacro %}

{% macro spark__varchar() -%}string{%- endmacro %}
