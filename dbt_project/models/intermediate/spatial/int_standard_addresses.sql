{{ config(materialized='table', pre_hook=write_uncompressed(), post_hook=write_compressed()) }}
-- The standard place-name and address register (民政 标准地名地址, current snapshot) prepared for
-- matching: each address normalised (no whitespace, no province/city/county prefix), its part
-- after the township (survives a renamed township), its numbers and its street or village.
with register as (

    select * from {{ ref('stg_minzheng__address_register') }}
    where is_current

),

normalised as (

    select
        address_code,
        standard_address,
        township_code,
        township_name,
        village_code,
        village_name,
        road,
        house_number,
        building,
        unit,
        room,
        cast(lon as double) as lon,
        cast(lat as double) as lat,
        {{ normalise_address('standard_address') }} as address_normalised,
        row_id,
        source_file,
        source_line,
        delivery_date
    from register
    where address_code is not null and standard_address is not null

),

tokenised as (

    select *, {{ address_township('address_normalised') }} as township_token
    from normalised

),

tailed as (

    -- the part after the township (the whole address when it names none)
    select
        *,
        case when township_token is null then address_normalised
            else substr(address_normalised, instr(address_normalised, township_token) + length(township_token))
        end as address_tail
    from tokenised

),

final as (

    select
        address_code,
        standard_address,
        township_code,
        township_name,
        village_code,
        village_name,
        road,
        house_number,
        building,
        unit,
        room,
        lon,
        lat,
        address_normalised,
        row_id,
        source_file,
        source_line,
        delivery_date,
        address_tail,
        {{ address_numbers('address_normalised') }} as address_numbers,
        nullif(regexp_extract(address_tail, '^(.*?)([0-9]+号.*)?$', 1), '') as street
    from tailed
    -- an address code listed twice keeps its first row
    qualify row_number() over (partition by address_code order by source_file, source_line) = 1

)

select * from final
