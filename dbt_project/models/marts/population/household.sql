-- 户: one row per household number in the current household-register snapshot, with its head
-- (linked to the golden person), its registered residence and how many members are still
-- registered (status 正常). A household whose members all moved out or died stays listed,
-- inactive, as the register keeps it.
with residence as (

    select * from {{ ref('int_person_residence') }}

),

members as (

    select
        household_no,
        count(*) as member_count_all,
        count(*) filter (where register_status = '正常') as member_count,
        min(delivery_date) as delivery_date
    from residence
    where household_no is not null
    group by household_no

),

heads as (

    -- The member registered as 户主; a household whose head left keeps the earliest registered
    -- remaining member as its reference person.
    select
        household_no,
        person_id as head_person_id,
        relation_to_head = '户主' as is_head_registered
    from residence
    where household_no is not null
    qualify row_number() over (
        partition by household_no
        order by (relation_to_head = '户主') desc, (register_status = '正常') desc,
                 registered_date, person_id
    ) = 1

),

residences as (

    -- The residence most members share (a clerk's typo in one member's row is outvoted).
    select
        household_no,
        division_code,
        township_code,
        address
    from (
        select household_no, division_code, township_code, address, count(*) as n_members
        from residence
        where household_no is not null
        group by household_no, division_code, township_code, address
    ) as counted
    qualify row_number() over (
        partition by household_no order by n_members desc, address
    ) = 1

),

final as (

    select
        members.household_no,
        heads.head_person_id,
        heads.is_head_registered,
        residences.division_code,
        residences.township_code,
        residences.address,
        members.member_count,
        members.member_count_all,
        members.member_count > 0 as is_active,
        'gongan__household_register' as source,
        cast(members.delivery_date as date) as delivery_date
    from members
    inner join heads using (household_no)
    inner join residences using (household_no)

)

select * from final
