-- Each resolved person's registered residence (household, division, township, status) in the
-- current household-register snapshot.
with observations as (

    select * from {{ ref('int_person_register_observations') }}

),

residence as (

    select
        person_id,
        record_id,
        household_no,
        relation_to_head,
        division_code,
        township_code,
        address,
        marital_status,
        ethnicity,
        register_status,
        registered_date,
        delivery_date
    from observations
    where is_current

)

select * from residence
