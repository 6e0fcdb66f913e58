{#- Helpers shared by the library models (intermediate/<library> and marts/<library>). -#}

{#- The county profile of the settings (pipelines/settings.py), passed by pipelines/dbt.py as var
    `county` (code, name, province, city, historic_codes [{code, name, valid_from, valid_to}],
    townships [{code, name}]). The county is never a literal in the models. Without the var
    (a bare `dbt parse`), the codes of `county_code` / `county_codes` are used. -#}
{% macro county_profile() -%}
    {%- set profile = var('county', none) -%}
    {%- if profile is none -%}
        {%- set codes = var('county_codes', [var('county_code', '000000')]) -%}
        {%- set profile = {
            'code': var('county_code', codes[-1]), 'name': none, 'province': none, 'city': none,
            'historic_codes': [], 'townships': []} -%}
        {%- for code in codes -%}
            {%- do profile['historic_codes'].append({'code': code, 'name': none, 'valid_from': none, 'valid_to': none}) -%}
        {%- endfor -%}
    {%- endif -%}
    {{ return(profile) }}
{%- endmacro %}


{#- The as-of date of the run (settings.as_of): every "current" and "valid" is as of it. -#}
{% macro as_of_date() -%}
    date '{{ var("as_of") }}'
{%- endmacro %}


{#- SQL string literal, quotes doubled. -#}
{% macro sql_literal(value) -%}
    {%- if value is none -%}null{%- else -%}'{{ value | string | replace("'", "''") }}'{%- endif -%}
{%- endmacro %}


{#- Names an address may start with before the township: province, city and every name the
    county has had. -#}
{% macro address_prefix_pattern() -%}
    {%- set profile = county_profile() -%}
    {%- set county_names = [] -%}
    {%- if profile.get('name') -%}{%- do county_names.append(profile['name']) -%}{%- endif -%}
    {%- for h in profile.get('historic_codes', []) -%}
        {%- if h.get('name') and h['name'] not in county_names -%}{%- do county_names.append(h['name']) -%}{%- endif -%}
    {%- endfor -%}
    {%- set parts = [] -%}
    {%- if profile.get('province') -%}{%- do parts.append('(' ~ profile['province'] ~ ')?') -%}{%- endif -%}
    {%- if profile.get('city') -%}{%- do parts.append('(' ~ profile['city'] ~ ')?') -%}{%- endif -%}
    {%- if county_names -%}{%- do parts.append('(' ~ (county_names | join('|')) ~ ')?') -%}{%- endif -%}
    {{ return('^' ~ (parts | join(''))) }}
{%- endmacro %}


{#- An address reduced to what identifies it inside the county: no whitespace, half-width digits
    and letters, no province/city/county prefix. Used to compare addresses across sources and
    to match them to the standard address register. -#}
{% macro normalise_address(expr) -%}
    nullif(regexp_replace(
        {{ re_replace_all(halfwidth(expr), "'[\\s\\x{3000}]+'", "''") }},
        '{{ address_prefix_pattern() }}', ''
    ), '')
{%- endmacro %}


{#- std_halfwidth (text.to_halfwidth) where the value holds a full-width form (U+FF01-U+FF5E,
    U+3000: text.FULLWIDTH), the value itself elsewhere: the same result without sending every
    value through the Python function. -#}
{% macro halfwidth(expr) -%}
    {{- adapter.dispatch('halfwidth')(expr) -}}
{%- endmacro %}

{% macro default__halfwidth(expr) -%}
    case when regexp_matches({{ expr }}, '[\x{3000}\x{FF01}-\x{FF5E}]') then std_halfwidth({{ expr }}) else {{ expr }} end
{%- endmacro %}

{#- On Spark the same mapping (text.FULLWIDTH to HALFWIDTH) by SQL translate(): a Python UDF in a CASE is still sent
    every row (Spark evaluates it before the CASE), and the address matcher reads the normalised
    addresses many times. -#}
{% macro spark__halfwidth(expr) -%}
    translate({{ expr }}, '！＂＃＄％＆＇（）＊＋，－．／０１２３４５６７８９：；＜＝＞？＠ＡＢＣＤＥＦＧＨＩＪＫＬＭＮＯＰＱＲＳＴＵＶＷＸＹＺ［＼］＾＿｀ａｂｃｄｅｆｇｈｉｊｋｌｍｎｏｐｑｒｓｔｕｖｗｘｙｚ｛｜｝～　', '!"#$%&''()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\]^_`abcdefghijklmnopqrstuvwxyz{|}~ ')
{%- endmacro %}


{#- The township an address names (its first 乡/镇/街道/公社 after the province, city and county,
    which never contain those words in this pattern), or null. Works with or without the prefix
    and with a township's old name. -#}
{% macro address_township(expr) -%}
    nullif(regexp_extract({{ expr }}, '[^省市区县]{2,5}?(街道|镇|乡|公社)', 0), '')
{%- endmacro %}


{#- The part of an address after its township (the whole address when it names none): what
    identifies the place inside the township, whatever prefix or township name precedes it. -#}
{% macro address_tail(expr) -%}
    coalesce(
        substr({{ expr }}, instr({{ expr }}, {{ address_township(expr) }}) + length({{ address_township(expr) }})),
        {{ expr }}
    )
{%- endmacro %}


{#- The numbers of an address in order (house, building, unit, room): a blocking key for fuzzy
    matching that survives a renamed township or a missing prefix. -#}
{% macro address_numbers(expr) -%}
    nullif({{ join_texts("regexp_extract_all(" ~ expr ~ ", '[0-9]+', 0)", "'-'") }}, '')
{%- endmacro %}


{#- The standard-address part before the house number (road or village): a coarser key. -#}
{% macro address_street(expr) -%}
    nullif(regexp_extract({{ expr }}, '^(.*?)[0-9]+号', 1), '')
{%- endmacro %}


{#- Age in whole years at the as-of date. -#}
{% macro age_at_as_of(birth_date) -%}
    {{ years_between(birth_date, as_of_date()) }}
        - case when {{ month_day(birth_date) }} > {{ month_day(as_of_date()) }} then 1 else 0 end
{%- endmacro %}


{#- Row id of a record id: `<source>:<sha12>:<line>#<role>` -> `<source>:<sha12>:<line>`. -#}
{% macro row_id_of(record_id) -%}
    regexp_replace({{ record_id }}, '#[^#]*$', '')
{%- endmacro %}


{#- The DuckDB spatial extension, loaded on dbt's connection. It is installed from the
    duckdb-extensions wheel by the dbt plugin (pipelines.standards.dbt_plugin), never downloaded;
    loading it again is a no-op. Used as a pre-hook by the models that need geometry. On Spark
    there is nothing to load (the geometry functions are session UDFs), and dbt skips an empty
    hook. -#}
{% macro load_spatial() -%}
    {{- adapter.dispatch('load_spatial')() -}}
{%- endmacro %}

{% macro default__load_spatial() -%}
    load spatial
{%- endmacro %}

{% macro spark__load_spatial() -%}{%- endmacro %}


{#- Intermediate tables are scratch for the models after them in the same build, and the link
    tables hold millions of unique record ids that barely compress: written uncompressed they
    cost a third of the time DuckDB spends choosing and applying compression (measured at county
    scale). Used as pre_hook / post_hook pair. DuckDB's setting; nothing on Spark. -#}
{% macro write_uncompressed() -%}
    {{- adapter.dispatch('write_uncompressed')() -}}
{%- endmacro %}

{% macro default__write_uncompressed() -%}
    set force_compression = 'uncompressed'
{%- endmacro %}

{% macro spark__write_uncompressed() -%}{%- endmacro %}


{% macro write_compressed() -%}
    {{- adapter.dispatch('write_compressed')() -}}
{%- endmacro %}

{% macro default__write_compressed() -%}
    reset force_compression
{%- endmacro %}

{% macro spark__write_compressed() -%}{%- endmacro %}


{#- A history's value of `column` where a snapshot lacks it: a value missing from one snapshot is
    not a change, so the last one seen is carried forward (and the first one seen back, for the
    snapshots before it), within `partition_by` in `order_by` order. -#}
{% macro carried_value(column, partition_by, order_by) -%}
coalesce(
            {{ last_non_null(column) }} over (partition by {{ partition_by }} order by {{ order_by }}
                rows between unbounded preceding and current row),
            {{ first_non_null(column) }} over (partition by {{ partition_by }} order by {{ order_by }}
                rows between current row and unbounded following)
        )
{%- endmacro %}
