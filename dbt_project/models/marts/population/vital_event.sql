-- 人口变动事件 (vital events): births, deaths, marriages, divorces, moves into and out of the
-- county register, each tied to the golden persons concerned. Grain: one row per event and
-- person concerned (a marriage is two rows, one per spouse; a death reported by several sources
-- is one row, from the source survivorship chose).
with births as (

    select * from {{ ref('stg_weijian__birth_certificate') }}

),

marriages as (

    select * from {{ ref('stg_minzheng__marriage_registration') }}

),

deaths as (

    select * from {{ ref('int_person_deaths') }}

),

register as (

    select * from {{ ref('int_person_register_observations') }}

),

person as {{ cte_hint('not materialized') }} (

    select * from {{ ref('person') }}

),

records as {{ cte_hint('not materialized') }} (

    select * from {{ ref('int_person_records_resolved') }}

),

lineage as (

    select record_id, source_file, source_line, delivery_date from {{ ref('int_person_records') }}

),

register_rows as (

    -- rows of every register snapshot (earlier snapshots are not resolution records), by row id
    select row_id, source_file, source_line, delivery_date
    from {{ ref('stg_gongan__household_register') }}

),

birth_events as (

    select
        '出生' as event_type,
        births.birth_date as event_date,
        'exact' as date_precision,
        child.person_id,
        mother.person_id as related_person_id,
        'mother' as related_role,
        'weijian__birth_certificate' as source,
        child.record_id,
        births.hospital as place
    from births
    inner join records as child
        on child.source = 'weijian__birth_certificate' and child.record_id = births.row_id || '#self'
    left join records as mother
        on mother.source = 'weijian__birth_certificate' and mother.record_id = births.row_id || '#mother'
    where births.birth_date is not null

),

death_events as (

    select
        '死亡' as event_type,
        deaths.death_date as event_date,
        deaths.death_date_precision as date_precision,
        deaths.person_id,
        cast(null as {{ varchar() }}) as related_person_id,
        cast(null as {{ varchar() }}) as related_role,
        deaths.death_date_source as source,
        deaths.death_date_record_id as record_id,
        cast(null as {{ varchar() }}) as place
    from deaths

),

marriage_parties as (

    select
        case
            when marriages.registration_type in ('结婚', '离婚') then marriages.registration_type
            when marriages.source_line like '离婚%' then '离婚'
            else '结婚'
        end as event_type,
        marriages.registration_date as event_date,
        husband.person_id as husband_id,
        wife.person_id as wife_id,
        husband.record_id as husband_record_id,
        wife.record_id as wife_record_id,
        marriages.office as place
    from marriages
    left join records as husband
        on husband.source = 'minzheng__marriage_registration' and husband.record_id = marriages.row_id || '#husband'
    left join records as wife
        on wife.source = 'minzheng__marriage_registration' and wife.record_id = marriages.row_id || '#wife'
    where marriages.registration_date is not null

),

marriage_events as (

    select event_type, event_date, 'exact' as date_precision, husband_id as person_id,
           wife_id as related_person_id, 'spouse' as related_role,
           'minzheng__marriage_registration' as source, husband_record_id as record_id, place
    from marriage_parties
    where husband_id is not null

    union all

    select event_type, event_date, 'exact' as date_precision, wife_id as person_id,
           husband_id as related_person_id, 'spouse' as related_role,
           'minzheng__marriage_registration' as source, wife_record_id as record_id, place
    from marriage_parties
    where wife_id is not null

),

move_out_events as (

    -- The register shows a move out only by a snapshot: the first snapshot listing 迁出 after one
    -- listing the person as 正常.
    select
        '迁出' as event_type,
        cast(delivery_date as date) as event_date,
        'observed' as date_precision,
        person_id,
        cast(null as {{ varchar() }}) as related_person_id,
        cast(null as {{ varchar() }}) as related_role,
        'gongan__household_register' as source,
        record_id,
        cast(null as {{ varchar() }}) as place
    from (
        select
            *,
            lag(register_status) over (partition by person_id order by delivery_date) as previous_status
        from register
        -- only the people the register ever lists as moved out
        semi join (select person_id from register where register_status = '迁出') as moved using (person_id)
    ) as statuses
    where register_status = '迁出' and previous_status = '正常'
    qualify row_number() over (partition by person_id order by delivery_date) = 1

),

move_in_events as (

    -- Registered in the year before the as-of date, and not as a newborn.
    select
        '迁入' as event_type,
        residence.registered_date as event_date,
        'exact' as date_precision,
        residence.person_id,
        cast(null as {{ varchar() }}) as related_person_id,
        cast(null as {{ varchar() }}) as related_role,
        'gongan__household_register' as source,
        residence.record_id,
        cast(null as {{ varchar() }}) as place
    from {{ ref('int_person_residence') }} as residence
    inner join person on person.person_id = residence.person_id
    where residence.registered_date > {{ as_of_date() }} - interval 1 year
      and residence.registered_date <= {{ as_of_date() }}
      and (person.birth_date is null or person.birth_date < residence.registered_date - interval 1 year)

),

events as (

    select * from birth_events
    union all
    select * from death_events
    union all
    select * from marriage_events
    union all
    select * from move_out_events
    union all
    select * from move_in_events

),

final as (

    select
        md5(events.event_type || '|' || events.person_id || '|' || coalesce(events.record_id, '')) as event_id,
        events.event_type,
        events.event_date,
        events.date_precision,
        events.person_id,
        events.related_person_id,
        events.related_role,
        person.township_code,
        events.place,
        events.source,
        events.record_id,
        coalesce(lineage.source_file, register_rows.source_file) as source_file,
        coalesce(lineage.source_line, register_rows.source_line) as source_line,
        cast(coalesce(lineage.delivery_date, register_rows.delivery_date) as date) as delivery_date
    from events
    inner join person on person.person_id = events.person_id
    left join lineage on lineage.record_id = events.record_id
    left join register_rows
        on register_rows.row_id = case when events.record_id like '%#self' then {{ row_id_of('events.record_id') }} end
    -- a date after the as-of date is a typing error, not an event that happened
    where events.event_date <= {{ as_of_date() }}

)

select
    event_id, event_type, event_date, date_precision, person_id, related_person_id, related_role,
    township_code, place, source, record_id,
    source_file, source_line, delivery_date
from final
