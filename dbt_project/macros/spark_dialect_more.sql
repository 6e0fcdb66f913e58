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


{#- The Spark type of a contract's DuckDB `data_type` (the YAML states the warehouse's types, the
    one source of them): varchar is Spark's string, `T[]` an array<T>, a geometry Spark's geometry
    (no SRID, as DuckDB's: Parquet carries it as a geometry DuckDB reads back as its own type);
    the other names (bigint, date, boolean, double, decimal(p,s), timestamp) mean the same. -#}
{% macro spark_data_type(data_type) -%}
    {%- set t = data_type | trim | lower -%}
    {%- if t.endswith('[]') -%}
        {{- 'array<' ~ spark_data_type(t[:-2]) ~ '>' -}}
    {%- elif t == 'varchar' or t.startswith('varchar(') or t == 'text' -%}
        string
    {%- elif t == 'geometry' -%}
        geometry(0)
    {%- elif t == 'blob' -%}
        binary
    {%- else -%}
        {{- t -}}
    {%- endif -%}
{%- endmacro %}


{#- dbt's contract check on Spark (it compares the model's columns with `cast(null as <type>)` of
    each declared column): the declared DuckDB types in Spark's words, see spark_data_type. -#}
{% macro spark__get_empty_schema_sql(columns) %}
    {%- set translated = {} -%}
    {%- for name in columns -%}
        {%- set col = columns[name] -%}
        {%- set copy = {} -%}
        {%- do copy.update(col) -%}
        {%- if col.get('data_type') is not none -%}
            {%- do copy.update({'data_type': spark_data_type(col['data_type'])}) -%}
        {%- endif -%}
        {%- do translated.update({name: copy}) -%}
    {%- endfor -%}
    {{ return(default__get_empty_schema_sql(translated)) }}
{% endmacro %}


{#- Aggregate: the distinct non-null values of `expr` on the rows where `condition` holds, sorted
    and joined by `separator`; null when there are none. -#}
{% macro distinct_text_agg(expr, separator, condition='true') -%}
    {{- adapter.dispatch('distinct_text_agg')(expr, separator, condition) -}}
{%- endmacro %}

{% macro default__distinct_text_agg(expr, separator, condition) -%}
    string_agg(distinct {{ expr }}, {{ separator }} order by {{ expr }}) filter (where {{ condition }})
{%- endmacro %}

{#- (Spark's listagg(distinct ...) within group fails with a filter clause: the values are
    collected as a set instead, which sorts the same way: by code point.) -#}
{% macro spark__distinct_text_agg(expr, separator, condition) -%}
    case when size(collect_set(case when {{ condition }} then {{ expr }} end)) > 0
        then array_join(array_sort(collect_set(case when {{ condition }} then {{ expr }} end)), {{ separator }})
    end
{%- endmacro %}


{#- Whole years from the date `start` to the date `end` (an age): DuckDB's date_sub('year'),
    which counts a month's last day as reaching any later day of the month (29 February to 28
    February is a full year); Spark's months_between counts months the same way. -#}
{% macro full_years_between(start, end) -%}
    {{- adapter.dispatch('full_years_between')(start, end) -}}
{%- endmacro %}

{% macro default__full_years_between(start, end) -%}
    date_sub('year', {{ start }}, {{ end }})
{%- endmacro %}

{% macro spark__full_years_between(start, end) -%}
    cast(floor(months_between({{ end }}, {{ start }}) / 12) as bigint)
{%- endmacro %}


{#- Aggregate: the non-null values of `expr` sorted and joined by `separator` (repeats kept);
    null when there are none. -#}
{% macro sorted_text_agg(expr, separator) -%}
    {{- adapter.dispatch('sorted_text_agg')(expr, separator) -}}
{%- endmacro %}

{% macro default__sorted_text_agg(expr, separator) -%}
    string_agg({{ expr }}, {{ separator }} order by {{ expr }})
{%- endmacro %}

{% macro spark__sorted_text_agg(expr, separator) -%}
    case when size(collect_list({{ expr }})) > 0
        then array_join(array_sort(collect_list({{ expr }})), {{ separator }})
    end
{%- endmacro %}


{#- The first day of the month a text of digits 'YYYYMM' (or 'YYYYM') names; null when it names
    none (month 13, letters, too many digits). -#}
{% macro try_year_month(expr) -%}
    {{- adapter.dispatch('try_year_month')(expr) -}}
{%- endmacro %}

{% macro default__try_year_month(expr) -%}
    cast(try_strptime({{ expr }}, '%Y%m') as date)
{%- endmacro %}

{#- (make_date is null for a month out of range: the spark target runs with ANSI mode off.) -#}
{% macro spark__try_year_month(expr) -%}
    case when {{ expr }} rlike '^[0-9]{4}[0-9]{1,2}$'
        then make_date(cast(substr({{ expr }}, 1, 4) as int), cast(substr({{ expr }}, 5) as int), 1)
    end
{%- endmacro %}


{#- A date as text by a strftime `format` ('%Y%m', '%Y-%m-%d': the year, month and day fields and
    punctuation); Spark's date_format takes the same format in Java's letters. -#}
{% macro format_date(expr, format) -%}
    {{- adapter.dispatch('format_date')(expr, format) -}}
{%- endmacro %}

{% macro default__format_date(expr, format) -%}
    strftime({{ expr }}, '{{ format }}')
{%- endmacro %}

{% macro spark__format_date(expr, format) -%}
    date_format({{ expr }}, '{{ format | replace('%Y', 'yyyy') | replace('%m', 'MM') | replace('%d', 'dd') }}')
{%- endmacro %}


{#- A double rounded to `digits` decimals as DuckDB rounds it: the value times 10^digits rounded
    half away from zero, divided back (round(1.005, 2) is 1.0: 1.005 is stored as 1.00499...).
    Spark's round(double, d) rounds the value's decimal text instead (1.01); rounding the scaled
    value to a whole number is the same on both. -#}
{% macro round_double(expr, digits) -%}
    {{- adapter.dispatch('round_double')(expr, digits) -}}
{%- endmacro %}

{% macro default__round_double(expr, digits) -%}
    round({{ expr }}, {{ digits }})
{%- endmacro %}

{% macro spark__round_double(expr, digits) -%}
    (round(({{ expr }}) * 1e{{ digits }}) / 1e{{ digits }})
{%- endmacro %}
