-- Each resolved person's registered residence (household number, division and township) from
-- the current household register.
with register as (

    select * from {{ ref('stg_gongan__household_register') }}
    where is_current

),

xref as (

    select * from {{ source('er', 'person_xref') }}

),

residence as (

    select
        xref.person_id,
        register.household_no,
        register.division_code,
        left(register.division_code, 9) as township_code,
        register.status as register_status,
        register.delivery_date
    from register
    inner join xref
        on xref.source = 'gongan__household_register'
        and xref.record_id = register.row_id || '#self'
    qualify row_number() over (
        partition by xref.person_id order by register.delivery_date desc, register.row_id
    ) = 1

)

select * from residence
