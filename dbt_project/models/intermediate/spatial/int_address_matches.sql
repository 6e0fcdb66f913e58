{{ config(materialized='table', pre_hook=write_uncompressed(), post_hook=write_compressed()) }}
-- Every distinct address the person and organisation records hold, matched to the standard
-- address register, at the finest level that works (the score says how sure):
--   exact    the same place after the township, in the same township               1.00
--   tail     the same place after the township, another township name (an old one)  0.95-0.99
--   fuzzy    same township, numbers and first letter, similar text (Jaro-Winkler)   >= var
--   street   no house number: the centroid of the street's or village's addresses    0.70
--   road     a road of the township (organisations' seats): the road's centroid      0.60
--   township only the township is known: the centroid of its addresses              0.30
--   none     nothing matched                                                         0.00
with records as {{ cte_hint('materialized') }} (

    -- each distinct address once (materialized, so no check is pushed down to every record)
    select address from {{ ref('int_person_records') }} where address is not null
    union
    select address from {{ ref('int_org_records') }} where address is not null

),

standard as {{ cte_hint('not materialized') }} (

    select * from {{ ref('int_standard_addresses') }}

),

townships as (

    -- township names as the register spells them, plus the county profile's current names
    select township_code, township_name from standard where township_name is not null
    {%- for t in county_profile().get('townships', []) %}
    union
    select {{ sql_literal(t['code']) }}, {{ sql_literal(t['name']) }}
    {%- endfor %}

),

township_names as (

    select township_name, min(township_code) as township_code
    from townships
    group by township_name

),

normalised as {{ cte_hint('materialized') }} (

    select address, {{ normalise_address('address') }} as address_normalised
    from records

),

tokenised as (

    select address, address_normalised, {{ address_township('address_normalised') }} as text_township_name
    from normalised

),

parsed as {{ cte_hint('materialized') }} (

    select
        tokenised.address,
        tokenised.address_normalised,
        tailed.address_tail,
        {{ address_numbers('tokenised.address_normalised') }} as address_numbers,
        nullif(regexp_extract(tailed.address_tail, '^(.*?)([0-9]+号.*)?$', 1), '') as street,
        tokenised.text_township_name,
        township_names.township_code as text_township_code
    from tokenised
    -- the part after the township (the whole address when it names none)
    cross join lateral (
        select case when tokenised.text_township_name is null then tokenised.address_normalised
            else substr(tokenised.address_normalised,
                        instr(tokenised.address_normalised, tokenised.text_township_name)
                        + length(tokenised.text_township_name))
        end as address_tail
    ) as tailed
    left join township_names on township_names.township_name = tokenised.text_township_name

),

exact_matches as (

    -- the same place in the same township, whatever prefix precedes it
    select
        parsed.address,
        standard.address_code,
        'exact' as match_level,
        1.0 as match_score
    from parsed
    inner join standard
        on standard.address_tail = parsed.address_tail
        and (standard.address_normalised = parsed.address_normalised
             or standard.township_name = parsed.text_township_name)
    qualify row_number() over (partition by parsed.address order by standard.address_code) = 1

),

tail_matches as (

    select
        parsed.address,
        standard.address_code,
        'tail' as match_level,
        case when standard.township_code = parsed.text_township_code then 0.99 else 0.95 end as match_score
    from parsed
    inner join standard on standard.address_tail = parsed.address_tail
    where parsed.address_numbers is not null
    qualify row_number() over (
        partition by parsed.address
        order by (standard.township_code = parsed.text_township_code) desc nulls last, standard.address_code
    ) = 1

),

fuzzy_candidates as (

    select
        parsed.address,
        standard.address_code,
        {{ jaro_winkler('parsed.address_tail', 'standard.address_tail') }} as match_score
    from parsed
    -- blocked on the numbers, the township and the first character: a typo inside the same
    -- township's address (an old township name is handled by the tail match)
    inner join standard
        on standard.address_numbers = parsed.address_numbers
        and standard.township_code = parsed.text_township_code
        and left(standard.address_tail, 1) = left(parsed.address_tail, 1)
    where parsed.address not in (select address from exact_matches)
      and parsed.address not in (select address from tail_matches)

),

fuzzy_matches as (

    select
        address,
        {{ pick_max('address_code', struct_of([('score', 'match_score'), ('code', 'address_code')])) }} as address_code,
        'fuzzy' as match_level,
        max(match_score) as match_score
    from fuzzy_candidates
    group by address

),

address_level as (

    select * from exact_matches
    union all
    select * from tail_matches
    union all
    select * from fuzzy_matches
    where match_score >= {{ var('address_match_min_score') }}

),

streets as (

    select
        township_code,
        street,
        {{ rounded_mean('cast(lon as decimal(18, 7))', 7) }} as lon,
        {{ rounded_mean('cast(lat as decimal(18, 7))', 7) }} as lat,
        min(village_code) as village_code,
        count(distinct village_code) as n_villages,
        count(*) as n_addresses
    from standard
    where street is not null
    group by township_code, street

),

street_matches as (

    -- a street or village named in full (the address lacks its house number)
    select
        parsed.address,
        streets.township_code,
        case when streets.n_villages = 1 then streets.village_code end as village_code,
        streets.lon,
        streets.lat,
        'street' as match_level,
        0.70 as match_score
    from parsed
    inner join streets
        on streets.street = parsed.street
        and (parsed.text_township_code is null or streets.township_code = parsed.text_township_code)
    qualify row_number() over (
        partition by parsed.address order by streets.n_addresses desc, streets.township_code
    ) = 1

),

roads as (

    -- the road name alone (a community's road is spelled 北关社区育才路 in the register)
    select
        township_code,
        regexp_extract(street, '([^村社区]+(路|街|巷|大街|线|道))$', 1) as road,
        {{ rounded_mean('cast(lon as decimal(18, 7))', 7) }} as lon,
        {{ rounded_mean('cast(lat as decimal(18, 7))', 7) }} as lat,
        count(*) as n_addresses
    from standard
    where street is not null
    group by 1, 2
    having road <> ''

),

road_matches as (

    select
        parsed.address,
        roads.township_code,
        cast(null as {{ varchar() }}) as village_code,
        roads.lon,
        roads.lat,
        'road' as match_level,
        0.60 as match_score
    from parsed
    inner join roads
        on roads.township_code = parsed.text_township_code
        and regexp_extract(parsed.street, '([^村社区]+(路|街|巷|大街|线|道))$', 1) = roads.road
    qualify row_number() over (partition by parsed.address order by roads.n_addresses desc, roads.road) = 1

),

township_centres as (

    select township_code, {{ rounded_mean('cast(lon as decimal(18, 7))', 7) }} as lon, {{ rounded_mean('cast(lat as decimal(18, 7))', 7) }} as lat
    from standard
    group by township_code

),

township_matches as (

    select
        parsed.address,
        parsed.text_township_code as township_code,
        cast(null as {{ varchar() }}) as village_code,
        township_centres.lon,
        township_centres.lat,
        'township' as match_level,
        0.30 as match_score
    from parsed
    inner join township_centres on township_centres.township_code = parsed.text_township_code

),

candidate_locations as (

    -- every level's match of each address (one per level at most)
    select
        address_level.address,
        standard.address_code,
        standard.standard_address,
        standard.township_code,
        standard.village_code,
        standard.lon,
        standard.lat,
        address_level.match_level,
        address_level.match_score
    from address_level
    inner join standard using (address_code)

    union all

    select address, null, null, township_code, village_code, lon, lat, match_level, match_score
    from street_matches

    union all

    select address, null, null, township_code, village_code, lon, lat, match_level, match_score
    from road_matches

    union all

    select address, null, null, township_code, village_code, lon, lat, match_level, match_score
    from township_matches

),

located as (

    -- the finest level that matched (each level is matched independently of the others, so that
    -- every level reads the parsed addresses once: no level's query nests the levels before it)
    select *
    from candidate_locations
    qualify row_number() over (
        partition by address
        order by case match_level
            when 'exact' then 1 when 'tail' then 2 when 'fuzzy' then 3
            when 'street' then 4 when 'road' then 5 else 6 end
    ) = 1

),

final as (

    select
        parsed.address,
        parsed.address_normalised,
        coalesce(located.match_level, 'none') as match_level,
        cast(round(coalesce(located.match_score, 0.0), 4) as decimal(5, 4)) as match_score,
        located.address_code,
        located.standard_address,
        located.village_code,
        coalesce(located.township_code, parsed.text_township_code) as township_code,
        located.lon,
        located.lat
    from parsed
    left join located using (address)

)

select * from final
