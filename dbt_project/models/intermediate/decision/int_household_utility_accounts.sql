{{ config(materialized='table') }}
-- Each registered household's power and water meters: the accounts at its registered address
-- (normalised: no county prefix, half-width, no spaces) and the accounts held by one of its
-- registered members. Read by the occupancy mart and by the findings stage (rule
-- registered_not_living), so both link meters to homes the same way. Grain: one row per
-- household and account.
with households as (

    select household_no, township_code, {{ normalise_address('address') }} as address_key
    from {{ ref('household') }}
    where is_active

),

members as (

    select person_id, household_no
    from {{ ref('person') }}
    where is_registered_resident and household_no is not null

),

xref as {{ cte_hint('not materialized') }} (

    select * from {{ source('er', 'person_xref') }}

),

accounts as (

    select
        'power' as utility,
        'gongdian__account' as account_source,
        a.account_no,
        a.row_id as account_row_id,
        a.source_file as account_source_file,
        a.source_line as account_source_line,
        {{ normalise_address('a.address') }} as address_key,
        xref.person_id as holder_person_id
    from {{ ref('stg_gongdian__account') }} as a
    left join xref on xref.source = 'gongdian__account' and xref.record_id = a.row_id || '#holder'
    where a.is_current and coalesce(a.category, '居民') like '%居民%'

    union all

    select
        'water',
        'gongshui__account',
        a.account_no,
        a.row_id,
        a.source_file,
        a.source_line,
        {{ normalise_address('a.address') }},
        xref.person_id
    from {{ ref('stg_gongshui__account') }} as a
    left join xref on xref.source = 'gongshui__account' and xref.record_id = a.row_id || '#holder'
    where a.is_current and coalesce(a.category, '居民') like '%居民%'

),

linked as (

    select households.household_no, households.township_code, accounts.*, 'address' as link_basis
    from households
    inner join accounts on accounts.address_key = households.address_key

    union all

    select members.household_no, households.township_code, accounts.*, 'holder' as link_basis
    from members
    inner join accounts on accounts.holder_person_id = members.person_id
    inner join households on households.household_no = members.household_no

),

final as (

    select
        household_no,
        township_code,
        utility,
        account_source,
        account_no,
        account_row_id,
        account_source_file,
        account_source_line,
        -- the bases that link the meter, sorted and joined by '+' ('address', 'holder' or
        -- 'address+holder'): there are two bases, so the least and the greatest name them all.
        -- (A distinct string aggregate here took three quarters of the model's time at county.)
        min(link_basis) || case when min(link_basis) <> max(link_basis) then '+' || max(link_basis) else '' end
            as link_basis
    from linked
    group by all

)

select * from final
