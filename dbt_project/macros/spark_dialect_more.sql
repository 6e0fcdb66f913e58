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


{#- A list of the values of `items_sql` (SQL: expressions separated by commas, e.g. captured with
    `{% set items %}...{% endset %}`) that are not null, in order. -#}
{% macro present_items(items_sql) -%}
    {{- adapter.dispatch('present_items')(items_sql) -}}
{%- endmacro %}

{% macro default__present_items(items_sql) -%}
    list_filter([{{ items_sql }}], x -> x is not null)
{%- endmacro %}

{% macro spark__present_items(items_sql) -%}
    filter(array({{ items_sql }}), x -> x is not null)
{%- endmacro %}


{#- Aggregate: the values of `expr` (never null where it is used) as a sorted list. -#}
{% macro sorted_list_agg(expr) -%}
    {{- adapter.dispatch('sorted_list_agg')(expr) -}}
{%- endmacro %}

{% macro default__sorted_list_agg(expr) -%}list_sort(list({{ expr }})){%- endmacro %}

{% macro spark__sorted_list_agg(expr) -%}array_sort(collect_list({{ expr }})){%- endmacro %}


{#- An empty list of text (the value of a list column with nothing in it). -#}
{% macro empty_text_list() -%}
    {{- adapter.dispatch('empty_text_list')() -}}
{%- endmacro %}

{% macro default__empty_text_list() -%}[]::varchar[]{%- endmacro %}

{% macro spark__empty_text_list() -%}cast(array() as array<string>){%- endmacro %}


{#- One row per element of the list `expr` (alone in a select list: Spark does not nest it in
    another expression). -#}
{% macro unnest_list(expr) -%}
    {{- adapter.dispatch('unnest_list')(expr) -}}
{%- endmacro %}

{% macro default__unnest_list(expr) -%}unnest({{ expr }}){%- endmacro %}

{% macro spark__unnest_list(expr) -%}explode({{ expr }}){%- endmacro %}


{#- `expr` split at every match of the regex `pattern`, as a list (empty pieces kept). -#}
{% macro split_regex(expr, pattern) -%}
    {{- adapter.dispatch('split_regex')(expr, pattern) -}}
{%- endmacro %}

{% macro default__split_regex(expr, pattern) -%}string_split_regex({{ expr }}, {{ pattern }}){%- endmacro %}

{% macro spark__split_regex(expr, pattern) -%}split({{ expr }}, {{ pattern }}, -1){%- endmacro %}


{#- The 1-based position of `expr` in `values` (a Jinja list of texts), null when absent. -#}
{% macro text_list_position(values, expr) -%}
    {{- adapter.dispatch('text_list_position')(values, expr) -}}
{%- endmacro %}

{% macro default__text_list_position(values, expr) -%}
    list_position([{% for v in values %}{{ sql_literal(v) }}{{ ", " if not loop.last }}{% endfor %}], {{ expr }})
{%- endmacro %}

{% macro spark__text_list_position(values, expr) -%}
    cast(nullif(array_position(array({% for v in values %}{{ sql_literal(v) }}{{ ", " if not loop.last }}{% endfor %}), {{ expr }}), 0) as int)
{%- endmacro %}


{#- Does `values` (a Jinja list of integers, maybe empty) hold `expr` (null for a null expr)? -#}
{% macro int_list_contains(values, expr) -%}
    {{- adapter.dispatch('int_list_contains')(values, expr) -}}
{%- endmacro %}

{% macro default__int_list_contains(values, expr) -%}
    list_contains({{ values | list }}::integer[], {{ expr }})
{%- endmacro %}

{% macro spark__int_list_contains(values, expr) -%}
    array_contains(cast(array({{ values | join(', ') }}) as array<int>), {{ expr }})
{%- endmacro %}


{#- The last match of the regex `pattern` in `expr`; null when there is none. -#}
{% macro last_regex_match(expr, pattern) -%}
    {{- adapter.dispatch('last_regex_match')(expr, pattern) -}}
{%- endmacro %}

{% macro default__last_regex_match(expr, pattern) -%}
    list_extract(regexp_extract_all({{ expr }}, {{ pattern }}), -1)
{%- endmacro %}

{% macro spark__last_regex_match(expr, pattern) -%}
    try_element_at(regexp_extract_all({{ expr }}, {{ pattern }}, 0), -1)
{%- endmacro %}


{#- Aggregate: the distinct non-null values of `expr` as a sorted list. -#}
{% macro sorted_distinct_list_agg(expr) -%}
    {{- adapter.dispatch('sorted_distinct_list_agg')(expr) -}}
{%- endmacro %}

{% macro default__sorted_distinct_list_agg(expr) -%}list_sort(list_distinct(list({{ expr }}))){%- endmacro %}

{% macro spark__sorted_distinct_list_agg(expr) -%}array_sort(collect_set({{ expr }})){%- endmacro %}


{#- Every column of `relation` but `columns` (a Jinja list of names). -#}
{% macro star_except(relation, columns) -%}
    {{- adapter.dispatch('star_except')(relation, columns) -}}
{%- endmacro %}

{% macro default__star_except(relation, columns) -%}{{ relation }}.* exclude ({{ columns | join(', ') }}){%- endmacro %}

{% macro spark__star_except(relation, columns) -%}{{ relation }}.* except ({{ columns | join(', ') }}){%- endmacro %}


{#- The values the lists `a` and `b` share, each once, sorted. -#}
{% macro sorted_common_items(a, b) -%}
    {{- adapter.dispatch('sorted_common_items')(a, b) -}}
{%- endmacro %}

{% macro default__sorted_common_items(a, b) -%}list_sort(list_intersect({{ a }}, {{ b }})){%- endmacro %}

{% macro spark__sorted_common_items(a, b) -%}array_sort(array_intersect({{ a }}, {{ b }})){%- endmacro %}


{#- Aggregate: the mean of `expr` (a decimal of at most `digits` decimals) rounded half away from
    zero to `digits` decimals, computed exactly, as a double; null when every value is null. Why
    not round(avg(...)): DuckDB's avg of a decimal is a double, so a mean on an exact half (a
    coordinate's 8th decimal a 5) lands a hair below or above it and rounds either way, while
    Spark's avg is an exact decimal that rounds half up: the engines disagreed in such rows. Here
    the values are summed as whole units of 10^-digits and the half-up quotient is taken in
    integers on both engines (DuckDB's `//`, Spark's `div`). -#}
{% macro rounded_mean(expr, digits) -%}
    {{- adapter.dispatch('rounded_mean')(expr, digits) -}}
{%- endmacro %}

{% macro default__rounded_mean(expr, digits) -%}
    (case when count({{ expr }}) > 0 then
        (case when sum(cast(({{ expr }}) * 1{{ '0' * digits }} as bigint)) < 0 then -1 else 1 end)
        * ((2 * abs(sum(cast(({{ expr }}) * 1{{ '0' * digits }} as bigint))) + count({{ expr }})) // (2 * count({{ expr }})))
        / 1e{{ digits }}
    end)
{%- endmacro %}

{% macro spark__rounded_mean(expr, digits) -%}
    (case when count({{ expr }}) > 0 then
        (case when sum(cast(({{ expr }}) * 1{{ '0' * digits }} as bigint)) < 0 then -1 else 1 end)
        * ((2 * abs(sum(cast(({{ expr }}) * 1{{ '0' * digits }} as bigint))) + count({{ expr }})) div (2 * count({{ expr }})))
        / 1e{{ digits }}
    end)
{%- endmacro %}
