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


{#- A CTE's materialization hint (`name as {{ cte_hint('materialized') }} (`): DuckDB takes
    'materialized' / 'not materialized'; Spark has no such hint (its optimizer decides) and gets
    nothing. -#}
{% macro cte_hint(hint) -%}
    {{- adapter.dispatch('cte_hint')(hint) -}}
{%- endmacro %}

{% macro default__cte_hint(hint) -%}{{ hint }}{%- endmacro %}

{% macro spark__cte_hint(hint) -%}{%- endmacro %}


{#- DuckDB's jaro_winkler_similarity(a, b), which compares UTF-8 bytes. Spark's built-in of that
    name compares characters (another score on Chinese text): Spark calls DuckDB's through the
    session UDF (pipelines/spark/duckdb_functions.py). -#}
{% macro jaro_winkler(a, b) -%}
    {{- adapter.dispatch('jaro_winkler')(a, b) -}}
{%- endmacro %}

{% macro default__jaro_winkler(a, b) -%}jaro_winkler_similarity({{ a }}, {{ b }}){%- endmacro %}

{% macro spark__jaro_winkler(a, b) -%}duckdb_jaro_winkler_similarity({{ a }}, {{ b }}){%- endmacro %}


{#- A struct of named fields, compared field by field in order (a sort key): `fields` is a list
    of (name, expression) pairs. -#}
{% macro struct_of(fields) -%}
    {{- adapter.dispatch('struct_of')(fields) -}}
{%- endmacro %}

{% macro default__struct_of(fields) -%}
    struct_pack({% for name, expr in fields %}{{ name }} := {{ expr }}{{ ', ' if not loop.last }}{% endfor %})
{%- endmacro %}

{% macro spark__struct_of(fields) -%}
    named_struct({% for name, expr in fields %}'{{ name }}', {{ expr }}{{ ', ' if not loop.last }}{% endfor %})
{%- endmacro %}


{#- Stop the query with `message` (a text expression): DuckDB's error(), Spark's raise_error(). -#}
{% macro raise_sql_error(message) -%}
    {{- adapter.dispatch('raise_sql_error')(message) -}}
{%- endmacro %}

{% macro default__raise_sql_error(message) -%}error({{ message }}){%- endmacro %}

{% macro spark__raise_sql_error(message) -%}raise_error({{ message }}){%- endmacro %}


{#- The element at 0-based `index` (an expression) of a list of text literals `values`. -#}
{% macro text_list_item(values, index) -%}
    {{- adapter.dispatch('text_list_item')(values, index) -}}
{%- endmacro %}

{% macro default__text_list_item(values, index) -%}
    [{% for v in values %}{{ sql_literal(v) }}{{ ', ' if not loop.last }}{% endfor %}][({{ index }}) + 1]
{%- endmacro %}

{% macro spark__text_list_item(values, index) -%}
    array({% for v in values %}{{ sql_literal(v) }}{{ ', ' if not loop.last }}{% endfor %})[{{ index }}]
{%- endmacro %}


{#- Whole days from `start` to `end` (dates). -#}
{% macro days_between(start, end) -%}
    {{- adapter.dispatch('days_between')(start, end) -}}
{%- endmacro %}

{% macro default__days_between(start, end) -%}date_diff('day', {{ start }}, {{ end }}){%- endmacro %}

{% macro spark__days_between(start, end) -%}datediff(DAY, {{ start }}, {{ end }}){%- endmacro %}


{#- Whole calendar years from `start` to `end` (dates; the year parts' difference). -#}
{% macro years_between(start, end) -%}
    {{- adapter.dispatch('years_between')(start, end) -}}
{%- endmacro %}

{% macro default__years_between(start, end) -%}date_diff('year', {{ start }}, {{ end }}){%- endmacro %}

{% macro spark__years_between(start, end) -%}cast(year({{ end }}) - year({{ start }}) as bigint){%- endmacro %}


{#- A date's month and day as 'MMDD' text (compares like the date within its year). -#}
{% macro month_day(expr) -%}
    {{- adapter.dispatch('month_day')(expr) -}}
{%- endmacro %}

{% macro default__month_day(expr) -%}strftime({{ expr }}, '%m%d'){%- endmacro %}

{% macro spark__month_day(expr) -%}date_format({{ expr }}, 'MMdd'){%- endmacro %}


{#- The text of a list of texts joined with `separator` (a literal). -#}
{% macro join_texts(list_expr, separator) -%}
    {{- adapter.dispatch('join_texts')(list_expr, separator) -}}
{%- endmacro %}

{% macro default__join_texts(list_expr, separator) -%}array_to_string({{ list_expr }}, {{ separator }}){%- endmacro %}

{% macro spark__join_texts(list_expr, separator) -%}array_join({{ list_expr }}, {{ separator }}){%- endmacro %}


{#- Geometry (DuckDB spatial on DuckDB; on Spark the session UDFs of
    pipelines/spark/duckdb_functions.py, which run the same DuckDB functions on the GeoJSON text,
    since Spark passes no geometry to Python). Each takes the geometry column and the GeoJSON
    text it was made from; DuckDB reads the first, Spark the second. -#}
{% macro geometry_from_geojson(geojson) -%}
    {{- adapter.dispatch('geometry_from_geojson')(geojson) -}}
{%- endmacro %}

{% macro default__geometry_from_geojson(geojson) -%}ST_GeomFromGeoJSON({{ geojson }}){%- endmacro %}

{% macro spark__geometry_from_geojson(geojson) -%}st_geomfromwkb(geo_wkb({{ geojson }})){%- endmacro %}


{#- Area in square metres on the WGS 84 spheroid (ST_Area_Spheroid reads [latitude, longitude];
    GeoJSON is [longitude, latitude], hence the flip). -#}
{% macro spheroid_area_m2(geometry, geojson) -%}
    {{- adapter.dispatch('spheroid_area_m2')(geometry, geojson) -}}
{%- endmacro %}

{% macro default__spheroid_area_m2(geometry, geojson) -%}ST_Area_Spheroid(ST_FlipCoordinates({{ geometry }})){%- endmacro %}

{% macro spark__spheroid_area_m2(geometry, geojson) -%}geo_area_spheroid({{ geojson }}){%- endmacro %}


{% macro centroid_lon(geometry, geojson) -%}
    {{- adapter.dispatch('centroid_lon')(geometry, geojson) -}}
{%- endmacro %}

{% macro default__centroid_lon(geometry, geojson) -%}ST_X(ST_Centroid({{ geometry }})){%- endmacro %}

{% macro spark__centroid_lon(geometry, geojson) -%}geo_centroid_x({{ geojson }}){%- endmacro %}


{% macro centroid_lat(geometry, geojson) -%}
    {{- adapter.dispatch('centroid_lat')(geometry, geojson) -}}
{%- endmacro %}

{% macro default__centroid_lat(geometry, geojson) -%}ST_Y(ST_Centroid({{ geometry }})){%- endmacro %}

{% macro spark__centroid_lat(geometry, geojson) -%}geo_centroid_y({{ geojson }}){%- endmacro %}


{% macro geometry_is_valid(geometry, geojson) -%}
    {{- adapter.dispatch('geometry_is_valid')(geometry, geojson) -}}
{%- endmacro %}

{% macro default__geometry_is_valid(geometry, geojson) -%}ST_IsValid({{ geometry }}){%- endmacro %}

{% macro spark__geometry_is_valid(geometry, geojson) -%}geo_is_valid({{ geojson }}){%- endmacro %}


{#- Whether the polygon contains the point (lon, lat) (point-in-polygon; on the boundary: no). -#}
{% macro contains_point(geometry, geojson, lon, lat) -%}
    {{- adapter.dispatch('contains_point')(geometry, geojson, lon, lat) -}}
{%- endmacro %}

{% macro default__contains_point(geometry, geojson, lon, lat) -%}ST_Contains({{ geometry }}, ST_Point({{ lon }}, {{ lat }})){%- endmacro %}

{% macro spark__contains_point(geometry, geojson, lon, lat) -%}geo_contains_point({{ geojson }}, {{ lon }}, {{ lat }}){%- endmacro %}


{#- A 'YYYYMMDD' text as a timestamp, null when it is no date. -#}
{% macro try_parse_yyyymmdd(expr) -%}
    {{- adapter.dispatch('try_parse_yyyymmdd')(expr) -}}
{%- endmacro %}

{% macro default__try_parse_yyyymmdd(expr) -%}try_strptime({{ expr }}, '%Y%m%d'){%- endmacro %}

{% macro spark__try_parse_yyyymmdd(expr) -%}try_to_timestamp({{ expr }}, 'yyyyMMdd'){%- endmacro %}


{#- Integer division (the quotient rounded toward zero) of two integer expressions. -#}
{% macro int_div(a, b) -%}
    {{- adapter.dispatch('int_div')(a, b) -}}
{%- endmacro %}

{% macro default__int_div(a, b) -%}({{ a }} // {{ b }}){%- endmacro %}

{% macro spark__int_div(a, b) -%}({{ a }} div {{ b }}){%- endmacro %}


{#- A hash of a row's values for telling states apart (equal values, equal hash). DuckDB's hash;
    Spark's 64-bit xxhash64 skips nulls, so each value is followed by whether it is null (else
    (null, 'x') and ('x', null) would hash alike). -#}
{% macro state_hash(columns) -%}
    {{- adapter.dispatch('state_hash')(columns) -}}
{%- endmacro %}

{% macro default__state_hash(columns) -%}hash({{ columns | join(', ') }}){%- endmacro %}

{% macro spark__state_hash(columns) -%}
    xxhash64({% for c in columns %}{{ c }}, {{ c }} is null{{ ', ' if not loop.last }}{% endfor %})
{%- endmacro %}


{#- The last (first) non-null value of `expr` in the window frame that follows (`over (...)`). -#}
{% macro last_non_null(expr) -%}
    {{- adapter.dispatch('last_non_null')(expr) -}}
{%- endmacro %}

{% macro default__last_non_null(expr) -%}last_value({{ expr }} ignore nulls){%- endmacro %}

{% macro spark__last_non_null(expr) -%}last_value({{ expr }}, true){%- endmacro %}


{% macro first_non_null(expr) -%}
    {{- adapter.dispatch('first_non_null')(expr) -}}
{%- endmacro %}

{% macro default__first_non_null(expr) -%}first_value({{ expr }} ignore nulls){%- endmacro %}

{% macro spark__first_non_null(expr) -%}first_value({{ expr }}, true){%- endmacro %}


{#- The `value` of the row with the smallest (largest) `key`, among the rows whose value is not
    null (DuckDB's arg_min / arg_max skip a null value; Spark's min_by / max_by would return it,
    so there a null value's key is nulled, and a null key never wins). -#}
{% macro pick_min(value, key) -%}
    {{- adapter.dispatch('pick_min')(value, key) -}}
{%- endmacro %}

{% macro default__pick_min(value, key) -%}arg_min({{ value }}, {{ key }}){%- endmacro %}

{% macro spark__pick_min(value, key) -%}min_by({{ value }}, case when {{ value }} is not null then {{ key }} end){%- endmacro %}


{% macro pick_max(value, key) -%}
    {{- adapter.dispatch('pick_max')(value, key) -}}
{%- endmacro %}

{% macro default__pick_max(value, key) -%}arg_max({{ value }}, {{ key }}){%- endmacro %}

{% macro spark__pick_max(value, key) -%}max_by({{ value }}, case when {{ value }} is not null then {{ key }} end){%- endmacro %}


{#- `expr` shifted left (right) by `n` bits, parenthesised: DuckDB's << and >> operators, Spark's
    shiftleft / shiftright (its parser rejects `>>` in some select lists). -#}
{% macro shift_left(expr, n) -%}
    {{- adapter.dispatch('shift_left')(expr, n) -}}
{%- endmacro %}

{% macro default__shift_left(expr, n) -%}({{ expr }} << {{ n }}){%- endmacro %}

{% macro spark__shift_left(expr, n) -%}shiftleft({{ expr }}, {{ n }}){%- endmacro %}


{% macro shift_right(expr, n) -%}
    {{- adapter.dispatch('shift_right')(expr, n) -}}
{%- endmacro %}

{% macro default__shift_right(expr, n) -%}({{ expr }} >> {{ n }}){%- endmacro %}

{% macro spark__shift_right(expr, n) -%}shiftright({{ expr }}, {{ n }}){%- endmacro %}
