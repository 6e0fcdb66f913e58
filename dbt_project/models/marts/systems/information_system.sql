-- 政务信息系统 (information systems): one row per system of the latest ledger, the owner resolved
-- to lib_legal_entity.organization, data resources as standardised resource names (the contracts'
-- and marts' names where they correspond), and the ledger row it came from.
with ledger as (

    select * from {{ ref('int_system_ledger') }}

),

final as (

    select
        system_code,
        system_name,
        owner,
        owner_uscc,
        owner_org_id,
        owner_resolved_name,
        operator,
        launched,
        deployment,
        is_on_cloud,
        database,
        protection_level,
        is_classified,
        status,
        is_in_use,
        annual_cost,
        data_resources,
        matched_resources,
        records,
        system_function,
        {{ as_of_date() }} as as_of_date,
        row_id,
        source_file,
        source_line,
        delivery_date
    from ledger

)

select * from final
