{{ config(pre_hook=load_spatial()) }}
-- 地址匹配 (address matching): each golden person's current address and each golden
-- organisation's seat matched to the standard address register (int_address_matches: exact,
-- tail, fuzzy, street, road, township, with a score) and to the township whose boundary
-- contains the matched point (point-in-polygon). Grain: one row per golden person and per golden
-- organisation that has an address.
with person as (

    select person_id, address, address_source, township_code from {{ ref('person') }}

),

organization as (

    select org_id, address, address_source, township_code from {{ ref('organization') }}

),

person_records as (

    select record_seq, address as address_delivered from {{ ref('int_person_records') }}

),

org_records as (

    select record_seq, address as address_delivered from {{ ref('int_org_records') }}

),

person_choices as (

    select person_id, address_record_seq from {{ ref('int_person_golden_choices') }}

),

org_choices as (

    select org_id, address_record_seq from {{ ref('int_org_golden_choices') }}

),

matches as (

    select * from {{ ref('int_address_matches') }}

),

boundaries as (

    select township_code, geometry, geometry_geojson from {{ ref('township_boundary') }}

),

entities as (

    -- the golden address as its source record delivered it (the match key)
    select
        'person' as entity_kind,
        person.person_id as entity_id,
        person.address,
        person.address_source,
        person_records.address_delivered
    from person
    inner join person_choices using (person_id)
    inner join person_records on person_records.record_seq = person_choices.address_record_seq

    union all

    select
        'org' as entity_kind,
        organization.org_id as entity_id,
        organization.address,
        organization.address_source,
        org_records.address_delivered
    from organization
    inner join org_choices using (org_id)
    inner join org_records on org_records.record_seq = org_choices.address_record_seq

),

matched as (

    select
        entities.*,
        coalesce(matches.match_level, 'none') as match_level,
        cast(coalesce(matches.match_score, 0) as decimal(5, 4)) as match_score,
        matches.address_code,
        matches.standard_address,
        matches.village_code,
        matches.township_code as address_township_code,
        matches.lon,
        matches.lat
    from entities
    left join matches on matches.address = entities.address_delivered

),

standard_points as (

    -- a standard address's point is already located (standard_address: the same point-in-polygon)
    select address_code, point_township_code from {{ ref('standard_address') }}

),

centroid_points as (

    -- the other points (street, road and township centroids) are few: each located once
    select
        points.lon,
        points.lat,
        min(boundaries.township_code) as point_township_code
    from (
        select distinct lon, lat from matched where lon is not null and address_code is null
    ) as points
    inner join boundaries
        on {{ contains_point('boundaries.geometry', 'boundaries.geometry_geojson', 'points.lon', 'points.lat') }}
    group by points.lon, points.lat

),

located as (

    -- the township whose boundary contains the matched point (the first by code if several do)
    select
        matched.entity_kind,
        matched.entity_id,
        case when matched.address_code is not null then standard_points.point_township_code
            else centroid_points.point_township_code end as point_township_code
    from matched
    left join standard_points on standard_points.address_code = matched.address_code
    left join centroid_points
        on centroid_points.lon = case when matched.address_code is null then matched.lon end
        and centroid_points.lat = matched.lat
    where matched.lon is not null

),

final as (

    select
        matched.entity_kind,
        matched.entity_id,
        matched.address,
        matched.address_source,
        matched.match_level,
        matched.match_score,
        matched.address_code,
        matched.standard_address,
        matched.village_code,
        matched.address_township_code,
        matched.lon,
        matched.lat,
        located.point_township_code,
        matched.address_township_code is not null and located.point_township_code is not null
            and matched.address_township_code <> located.point_township_code as is_township_conflict
    from matched
    left join located using (entity_kind, entity_id)

)

select * from final
