{#- Spark SQL forms of the macros whose DuckDB SQL Spark does not speak (dispatched with
    adapter.dispatch: `default__` is the DuckDB form, `spark__` the form here). The results are
    the same; tests/spark compares the two builds table by table. -#}

{#- A staging model on Spark (see default__stage_contract for the rules). Every contract column
    goes through its `std_lookup_<kind>(raw)` in one projection: Spark evaluates all the Arrow
    UDFs of a projection in one pass of a Python worker over each batch of rows, which costs far
    less than DuckDB's form (a distinct-values CTE and a join per column: a shuffle per column on
    Spark). Each lookup returns the struct of its outputs for its value, so every row gets what
    the standard says for its value, NULL included, as in DuckDB's form. The outputs are named in
    the select list (Spark has no `* exclude`). -#}
{% macro spark__stage_contract(source_name, table_name) -%}
    {%- if not execute -%}{{ return('select * from ' ~ source(source_name, table_name)) }}{%- endif -%}
    {%- set node = source_node(source_name, table_name) -%}
    {%- if node is none -%}
        {{ exceptions.raise_compiler_error("no source " ~ source_name ~ "." ~ table_name) }}
    {%- endif -%}
    {%- set columns = node.columns.values() | list -%}
with source as (

    select * from {{ source(source_name, table_name) }}

),

standardised as (

    select
        source.*
        {%- for column in columns if column.meta.standardiser not in passthrough_standardisers() %},
        std_lookup_{{ stage_lookup(column.meta.standardiser) }}({{ adapter.quote(column.name) }}) as std_{{ loop.index }}
        {%- endfor %}
    from source

)

select
    {{ stage_lineage_columns(node) }}
    {%- set ns = namespace(n=0) -%}
    {%- for column in columns %},
    {% if column.meta.standardiser in passthrough_standardisers() -%}
    source.{{ adapter.quote(column.name) }} as {{ column.meta.name }}
    {%- else -%}
    {%- set ns.n = ns.n + 1 -%}
    {{ stage_value('source.std_' ~ ns.n, column.meta.standardiser, column.meta.name) }}
    {%- endif -%}
    {%- endfor %}
from standardised as source
{%- endmacro %}


{#- The variable-length text type: DuckDB's `varchar`; Spark's `string` (Spark's VARCHAR needs a
    length). -#}
{% macro varchar() -%}
    {{- adapter.dispatch('varchar')() -}}
{%- endmacro %}

{% macro default__varchar() -%}varchar{%- endmacro %}

{% macro spark__varchar() -%}string{%- endmacro %}
