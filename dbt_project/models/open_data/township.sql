-- 开放数据·乡镇（街道）区划与界线: the county's current townships with their codes, the codes
-- they had before (derived codes under the previous county code, GB/T 2260) and their boundaries
-- (WGS 84). Grain: one row per current township.
with current_townships as (

    select division_code as township_code, division_name as township_name
    from {{ ref('division') }}
    where level = 'township' and is_current

),

former as (

    select successor_code as township_code,
           {{ sorted_text_agg('division_code', "';'") }} as former_codes
    from {{ ref('division') }}
    where level = 'township' and not is_current and successor_code is not null
    group by successor_code

),

boundaries as (

    select township_code, area_km2, centroid_lon, centroid_lat, geometry_geojson
    from {{ ref('township_boundary') }}

)

select
    t.township_code::{{ varchar() }} as township_code,
    t.township_name::{{ varchar() }} as township_name,
    f.former_codes::{{ varchar() }} as former_codes,
    b.area_km2::decimal(12, 2) as area_km2,
    {{ round_double('b.centroid_lon', 6) }}::double as centroid_lon,
    {{ round_double('b.centroid_lat', 6) }}::double as centroid_lat,
    b.geometry_geojson::{{ varchar() }} as geometry_geojson
from current_townships t
left join former f using (township_code)
left join boundaries b using (township_code)
order by t.township_code
