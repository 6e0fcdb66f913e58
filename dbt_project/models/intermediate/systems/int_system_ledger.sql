-- The current ledger of information systems (政务信息系统台账), one row per system code: the latest
-- snapshot's row (a code listed twice in it keeps its last row), its owner resolved to the
-- legal-entity library, its data resources standardised, and what the settings make of its
-- status, deployment, classification and protection level.
with ledger as (

    select *
    from {{ ref('stg_dashuju__information_system') }}
    where is_current and system_code is not null
    qualify row_number() over (partition by system_code order by delivery_date desc, source_line desc, row_id desc) = 1

),

owner_xref as (

    select record_id, org_id from {{ source('er', 'org_xref') }}
    where source = 'dashuju__information_system'

),

organization as (

    select org_id, name from {{ ref('organization') }}

),

known as (

    {{ systems_known_resources() }}

),

resource_items as (

    -- one row per named resource: ledgers separate them with ；;，,、/| or line breaks (both
    -- sides of a comparison are split alike, so a name written with 、 still matches itself)
    select system_code, item, {{ systems_resource_key('item') }} as resource_key
    from (
        select system_code, trim(piece) as item
        from (
            select system_code, {{ unnest_list(split_regex('data_resources', "'[；;，,、/|\\n\\r]+'")) }} as piece
            from ledger
        ) pieces
    ) t
    where item <> ''

),

resources as (

    select
        resource_items.system_code,
        {{ sorted_distinct_list_agg("coalesce(known.standard_name, " ~ re_replace_all(halfwidth('resource_items.item'), "'[\\s\\x{3000}]+'", "''") ~ ")") }} as data_resources,
        {{ sorted_distinct_list_agg('resource_items.resource_key') }} as resource_keys,
        count(known.standard_name) as matched_resources
    from resource_items
    left join known using (resource_key)
    where resource_items.resource_key is not null
    group by resource_items.system_code

),

final as (

    select
        ledger.system_code,
        ledger.system_name,
        ledger.owner,
        ledger.owner_uscc,
        organization.org_id as owner_org_id,
        organization.name as owner_resolved_name,
        -- the owner as one unit: the resolved organisation, else the name as delivered
        coalesce(organization.org_id, 'name:' || {{ re_replace_all('ledger.owner', "'[\\s\\x{3000}]+'", "''") }}) as owner_key,
        ledger.operator,
        ledger.launched,
        ledger.deployment,
        coalesce({{ re_matches('ledger.deployment', sql_literal(systems_setting('cloud_deployment_pattern'))) }}, false) as is_on_cloud,
        ledger.database,
        ledger.protection_level,
        coalesce(ledger.classified, false) as is_classified,
        {{ systems_protection_grade('ledger.protection_level') }} as protection_grade,
        coalesce({{ int_list_contains(systems_setting('cloud_excluded_protection_grades') or [],
                                      systems_protection_grade('ledger.protection_level')) }}, false) as is_level_excluded,
        ledger.status,
        not coalesce({{ re_matches('ledger.status', sql_literal(systems_setting('retired_status_pattern'))) }}, false) as is_in_use,
        coalesce({{ re_matches('ledger.status', sql_literal(systems_setting('not_live_status_pattern'))) }}, false)
            or coalesce(ledger.launched > {{ as_of_date() }}, false) as is_not_live,
        ledger.annual_cost,
        coalesce(resources.data_resources, {{ empty_text_list() }}) as data_resources,
        coalesce(resources.resource_keys, {{ empty_text_list() }}) as resource_keys,
        coalesce(resources.matched_resources, 0) as matched_resources,
        ledger.records,
        {{ systems_core_name('ledger.system_name') }} as core_name,
        {{ systems_function('ledger.system_name') }} as system_function,
        ledger.row_id,
        ledger.source_file,
        ledger.source_line,
        cast(ledger.delivery_date as date) as delivery_date
    from ledger
    left join owner_xref on owner_xref.record_id = ledger.row_id || '#owner'
    left join organization on organization.org_id = owner_xref.org_id
    left join resources on resources.system_code = ledger.system_code

)

select * from final
