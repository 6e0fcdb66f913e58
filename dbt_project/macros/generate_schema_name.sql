{#- Schemas are the warehouse's real schema names (staging, lib_population, ...), not
    <target>_<custom> as dbt would make them. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}{{ target.schema }}{%- else -%}{{ custom_schema_name | trim }}{%- endif -%}
{%- endmacro %}
