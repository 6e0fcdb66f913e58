{{ config(pre_hook=load_spatial()) }}
-- 乡镇（街道）界线 (township boundaries): the natural resources bureau's polygons (WGS 84) as
-- geometry, with their centroid and the area measured on the spheroid next to the area the
-- bureau states. Grain: one row per township in the current delivery.
with boundaries as (

    select * from {{ ref('stg_ziranziyuan__township_boundary') }}
    where is_current and geometry is not null

),

shaped as (

    select
        township_code,
        township_name,
        cast(area_km2 as decimal(12, 2)) as area_km2,
        {{ geometry_from_geojson('geometry') }} as geom,
        geometry as geometry_geojson,
        row_id,
        source_file,
        source_line,
        cast(delivery_date as date) as delivery_date
    from boundaries
    qualify row_number() over (partition by township_code order by source_line) = 1

),

final as (

    select
        township_code,
        township_name,
        area_km2,
        cast(round({{ spheroid_area_m2('geom', 'geometry_geojson') }} / 1e6, 2) as decimal(12, 2)) as measured_area_km2,
        round({{ centroid_lon('geom', 'geometry_geojson') }}, 6) as centroid_lon,
        round({{ centroid_lat('geom', 'geometry_geojson') }}, 6) as centroid_lat,
        {{ geometry_is_valid('geom', 'geometry_geojson') }} as is_geometry_valid,
        geom as geometry,
        geometry_geojson,
        'ziranziyuan__township_boundary' as source,
        row_id,
        source_file,
        source_line,
        delivery_date
    from shaped

)

select * from final
