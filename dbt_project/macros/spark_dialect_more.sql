{#- Dialect macros of the decision, systems, credit, elicense, macro and open-data models: one
    name for an operation whose DuckDB and Spark SQL differ (adapter.dispatch: `default__` is the
    DuckDB form, the warehouse's; `spark__` the Spark form, which gives the same result on our
    data: tests/spark compares the two builds table by table). Arguments are SQL expressions
    (a pattern is a quoted literal). Spark reads string literals as DuckDB does (a backslash is a
    character: profiles.yml, spark.sql.parser.escapedStringLiterals), so a regex means the same
    to both. -#}

{#- Does `expr` contain a match of the regex `pattern` (null for a null value)? -#}
{% macro re_matches(expr, pattern) -%}
    {{- adapter.dispatch('re_matches')(expr, pattern) -}}
{%- endmacro %}

{% macro default__re_matches(expr, pattern) -%}
    regexp_matches({{ expr }}, {{ pattern }})
{%- endmacro %}

{% macro spark__re_matches(expr, pattern) -%}
    ({{ expr }} rlike {{ pattern }})
{%- endmacro %}


{#- Does the regex `pattern` match the whole of `expr` (null for a null value)? -#}
{% macro re_full_match(expr, pattern) -%}
    {{- adapter.dispatch('re_full_match')(expr, pattern) -}}
{%- endmacro %}

{% macro default__re_full_match(expr, pattern) -%}
    regexp_full_match({{ expr }}, {{ pattern }})
{%- endmacro %}

{% macro spark__re_full_match(expr, pattern) -%}
    ({{ expr }} rlike concat('^(?:', {{ pattern }}, ')\z'))
{%- endmacro %}


{#- `expr` with every match of the regex `pattern` replaced (DuckDB replaces the first unless
    told 'g'; Spark replaces all). -#}
{% macro re_replace_all(expr, pattern, replacement) -%}
    {{- adapter.dispatch('re_replace_all')(expr, pattern, replacement) -}}
{%- endmacro %}

{% macro default__re_replace_all(expr, pattern, replacement) -%}
    regexp_replace({{ expr }}, {{ pattern }}, {{ replacement }}, 'g')
{%- endmacro %}

{% macro spark__re_replace_all(expr, pattern, replacement) -%}
    regexp_replace({{ expr }}, {{ pattern }}, {{ replacement }})
{%- endmacro %}
