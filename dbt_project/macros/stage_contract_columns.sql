{#- Staging columns of a source, derived from its generated source YAML (from the contract):
    lineage first, then every contract column renamed from its delivered header to its English
    name and standardised by the project's one implementation of each standard (the std_* UDFs
    registered by pipelines.standards.dbt_plugin). -#}
{% macro stage_contract_columns(source_name, table_name) -%}
    {%- if not execute -%}{{ return('*') }}{%- endif -%}
    {%- set node = source_node(source_name, table_name) -%}
    {%- if node is none -%}
        {{ exceptions.raise_compiler_error("no source " ~ source_name ~ "." ~ table_name) }}
    {%- endif -%}
    {{ row_id(node.meta.source) }} as row_id,
        _batch_id as batch_id,
        _file as source_file,
        _line as source_line,
        cast(_delivery_date as date) as delivery_date,
        {% if node.meta.delivery_mode == 'snapshot' -%}
        cast(_delivery_date as date) = max(cast(_delivery_date as date)) over () as is_current,
        {%- else -%}
        true as is_current,
        {%- endif %}
        _extras as extras
    {%- for column in node.columns.values() %},
        {{ stage_value(adapter.quote(column.name), column.meta.standardiser, column.meta.name) }}
    {%- endfor %}
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
    '{{ source }}:' || left(_sha256, 12) || ':' || _line
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
    {%- elif standardiser in ('geometry', 'json') -%}
        {{ expr }} as {{ name }}
    {%- else -%}
        std_text({{ expr }}) as {{ name }}
    {%- endif -%}
{%- endmacro %}
