-- Person records joined to their resolved person id, with how complete each record is (a
-- survivorship tie-breaker).
with xref as (

    select * from {{ source('er', 'person_xref') }}

),

records as (

    select * from {{ ref('int_person_records') }}

),

resolved as (

    select
        xref.person_id,
        records.*,
        (case when records.name is not null then 1 else 0 end)
        + (case when records.id_number is not null then 1 else 0 end)
        + (case when records.gender is not null then 1 else 0 end)
        + (case when records.birth_date is not null then 1 else 0 end)
        + (case when records.phone is not null then 1 else 0 end)
        + (case when records.address is not null then 1 else 0 end) as completeness
    from records
    inner join xref
        on records.source = xref.source and records.record_id = xref.record_id

)

select * from resolved
