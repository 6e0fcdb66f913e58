{{ config(pre_hook=load_spatial()) }}
-- 标准地址 (standard addresses): the civil affairs place-name and address register with its
-- coordinates, and the township its point falls in (point-in-polygon against the township
-- boundaries), so that a coordinate that contradicts the stated township is visible. Grain: one
-- row per address code in the current register.
with standard as (

    select * from {{ ref('int_standard_addresses') }}

),

boundaries as (

    select township_code, geometry, geometry_geojson from {{ ref('township_boundary') }}

),

located as (

    select
        standard.address_code,
        boundaries.township_code as point_township_code
    from standard
    inner join boundaries
        on {{ contains_point('boundaries.geometry', 'boundaries.geometry_geojson', 'standard.lon', 'standard.lat') }}
    qualify row_number() over (partition by standard.address_code order by boundaries.township_code) = 1

),

final as (

    select
        standard.address_code,
        standard.standard_address,
        standard.township_code,
        standard.township_name,
        standard.village_code,
        standard.village_name,
        standard.road,
        standard.house_number,
        standard.building,
        standard.unit,
        standard.room,
        standard.lon,
        standard.lat,
        located.point_township_code,
        located.point_township_code is not distinct from standard.township_code as is_township_consistent,
        'minzheng__address_register' as source,
        standard.row_id,
        standard.source_file,
        standard.source_line,
        cast(standard.delivery_date as date) as delivery_date
    from standard
    left join located using (address_code)

)

select * from final
