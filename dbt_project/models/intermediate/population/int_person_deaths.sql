-- Each resolved person's death as the sources report it, one row per person: the medical death
-- certificate, the cremation record, or (date unknown, first seen) the register marking the
-- person 死亡. Chosen by the survivorship rule of `person.death_date`.
with death_certificates as (

    select * from {{ ref('stg_weijian__death_certificate') }}

),

cremations as (

    select * from {{ ref('stg_minzheng__death_cremation') }}

),

observations as (

    select * from {{ ref('int_person_register_observations') }}

),

xref as {{ cte_hint('not materialized') }} (

    select * from {{ source('er', 'person_xref') }}

),

reported as (

    select
        xref.person_id,
        'weijian__death_certificate' as source,
        xref.record_id,
        c.death_date,
        c.delivery_date,
        1 as completeness,
        'exact' as date_precision
    from death_certificates as c
    inner join xref
        on xref.source = 'weijian__death_certificate' and xref.record_id = c.row_id || '#self'
    where c.death_date is not null

    union all

    select
        xref.person_id,
        'minzheng__death_cremation' as source,
        xref.record_id,
        c.death_date,
        c.delivery_date,
        1 as completeness,
        'exact' as date_precision
    from cremations as c
    inner join xref
        on xref.source = 'minzheng__death_cremation' and xref.record_id = c.row_id || '#self'
    where c.death_date is not null

    union all

    -- The register only says the person is dead by a snapshot: the first snapshot saying so.
    select
        person_id,
        'gongan__household_register' as source,
        record_id,
        cast(delivery_date as date) as death_date,
        delivery_date,
        0 as completeness,
        'observed' as date_precision
    from observations
    where register_status = '死亡'
    qualify row_number() over (partition by person_id order by delivery_date, record_id) = 1

),

golden as (

    {{ golden_attribute('reported', 'person', 'person_id', 'death_date', 'death_date <= ' ~ as_of_date()) }}

),

sources_per_person as (

    select person_id, count(distinct source) as n_death_sources
    from reported
    group by person_id

),

final as (

    select
        golden.person_id,
        -- a death date after the as-of date is mistyped: the death stands, its date does not
        case when golden.death_date <= {{ as_of_date() }} then golden.death_date end as death_date,
        golden.death_date_source,
        golden.death_date_record_id,
        reported.date_precision as death_date_precision,
        sources_per_person.n_death_sources
    from golden
    inner join reported on reported.record_id = golden.death_date_record_id
    inner join sources_per_person on sources_per_person.person_id = golden.person_id

)

select * from final
