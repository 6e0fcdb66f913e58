-- 行政区划 (divisions): the county's codes, current and historic, with the periods they were
-- valid (GB/T 2260; from the settings' county profile), its townships (current codes, and the
-- codes they had under the county's previous code, derived from it), and its villages and
-- communities (statistics division codes, from the standard address register). Grain: one row
-- per division code.
{%- set profile = county_profile() %}
{#- the profile lists the county's codes oldest first; the last code before the current one is
    the predecessor whose township codes are derived -#}
{%- set history = profile.get('historic_codes', []) %}
{%- set ns = namespace(predecessor=none) %}
{%- for h in history %}{% if h['code'] != profile['code'] and h.get('valid_to') is not none %}{% set ns.predecessor = h %}{% endif %}{% endfor %}
{%- set predecessor = ns.predecessor %}
with county_codes as (

    {%- for h in history %}
    select
        {{ sql_literal(h['code']) }} as division_code,
        {{ sql_literal(h.get('name') or profile.get('name')) }} as division_name,
        {{ "make_date(" ~ h['valid_from'] ~ ", 1, 1)" if h.get('valid_from') is not none else "cast(null as date)" }} as valid_from,
        {{ "make_date(" ~ (h['valid_to'] + 1) ~ ", 1, 1)" if h.get('valid_to') is not none else "cast(null as date)" }} as valid_to,
        {{ sql_literal(history[loop.index]['code'] if not loop.last else none) }} as successor_code
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}
    {%- if profile['code'] not in history | map(attribute='code') | list %}
    {{ 'union all' if history }}
    select {{ sql_literal(profile['code']) }}, {{ sql_literal(profile.get('name')) }}, cast(null as date), cast(null as date), cast(null as {{ varchar() }})
    {%- endif %}

),

current_county as (

    select * from county_codes where division_code = {{ sql_literal(profile['code']) }}

),

standard as {{ cte_hint('not materialized') }} (

    select * from {{ ref('int_standard_addresses') }}

),

boundaries as (

    select township_code, township_name
    from {{ ref('stg_ziranziyuan__township_boundary') }}
    where is_current

),

township_names as (

    -- the profile's names first, then the boundaries', then the address register's
    select township_code, township_name
    from (
        {%- for t in profile.get('townships', []) %}
        select {{ sql_literal(t['code']) }} as township_code, {{ sql_literal(t['name']) }} as township_name, 1 as priority
        union all
        {%- endfor %}
        select township_code, township_name, 2 as priority from boundaries
        union all
        select township_code, township_name, 3 as priority from standard
    ) as names
    where township_code is not null and length(township_code) = 9
    qualify row_number() over (partition by township_code order by priority, township_name) = 1

),

county_rows as (

    select
        division_code,
        division_name,
        'county' as level,
        -- the prefecture of the code's own time (3725 聊城地区 before 3715 聊城市)
        left(division_code, 4) || '00' as parent_code,
        valid_from,
        valid_to,
        successor_code,
        false as is_derived,
        'settings:county_profile' as source
    from county_codes

),

township_rows as (

    select
        township_names.township_code as division_code,
        township_names.township_name as division_name,
        'township' as level,
        left(township_names.township_code, 6) as parent_code,
        current_county.valid_from,
        cast(null as date) as valid_to,
        cast(null as {{ varchar() }}) as successor_code,
        false as is_derived,
        'settings:county_profile' as source
    from township_names
    cross join current_county

    {%- if predecessor is not none %}

    union all

    -- the same townships under the county's previous code, valid while it was
    select
        {{ sql_literal(predecessor['code']) }} || substr(township_names.township_code, 7) as division_code,
        township_names.township_name as division_name,
        'township' as level,
        {{ sql_literal(predecessor['code']) }} as parent_code,
        county_codes.valid_from,
        county_codes.valid_to,
        township_names.township_code as successor_code,
        true as is_derived,
        'settings:county_profile' as source
    from township_names
    inner join county_codes on county_codes.division_code = {{ sql_literal(predecessor['code']) }}
    {%- endif %}

),

village_rows as (

    select
        standard.village_code as division_code,
        min(standard.village_name) as division_name,
        'village' as level,
        left(standard.village_code, 9) as parent_code,
        min(current_county.valid_from) as valid_from,
        cast(null as date) as valid_to,
        cast(null as {{ varchar() }}) as successor_code,
        false as is_derived,
        'minzheng__address_register' as source
    from standard
    cross join current_county
    where standard.village_code is not null and length(standard.village_code) = 12
    group by standard.village_code

),

divisions as (

    select * from county_rows
    union all
    select * from township_rows
    union all
    select * from village_rows

)

select
    *,
    valid_to is null as is_current
from divisions
