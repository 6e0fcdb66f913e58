-- The township each golden person lives in, for the decision themes: the registered township
-- (household register), else the township whose boundary contains the person's matched address
-- (migrants, people known only from other sources), else the township named in the address.
with person as (

    select * from {{ ref('person') }}

),

address_match as (

    select * from {{ ref('address_match') }}
    where entity_kind = 'person'

),

final as (

    select
        person.person_id,
        coalesce(person.township_code, address_match.point_township_code, address_match.address_township_code)
            as township_code,
        case
            when person.township_code is not null then 'register'
            when address_match.point_township_code is not null then 'address_point'
            when address_match.address_township_code is not null then 'address_text'
        end as township_basis,
        person.gender,
        person.birth_date,
        {{ age_at_as_of('person.birth_date') }} as age,
        person.is_alive,
        person.is_registered_resident,
        person.has_residence_permit
    from person
    left join address_match on address_match.entity_id = person.person_id

)

select * from final
