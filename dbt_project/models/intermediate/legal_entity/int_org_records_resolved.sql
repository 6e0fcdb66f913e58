{{ config(materialized='table', pre_hook=write_uncompressed(), post_hook=write_compressed()) }}
-- Organisation records (int_org_records) with their resolved organisation id, typed values, the
-- checks survivorship uses, the standard address they match, and the person the same source row
-- names as legal representative (its `legal_rep` or `operator` party), so that the golden
-- organisation's representative is linked to the population library.
with xref as (

    select * from {{ source('er', 'org_xref') }}

),

person_xref as (

    select * from {{ source('er', 'person_xref') }}

),

records as (

    select * from {{ ref('int_org_records') }}

),

address_matches as (

    select * from {{ ref('int_address_matches') }}

),

resolved as (

    select
        xref.org_id,
        records.source,
        records.record_id,
        records.record_seq,
        records.role,
        {{ row_id_of('records.record_id') }} as row_id,
        records.name,
        records.uscc,
        records.legal_rep,
        coalesce(address_matches.standard_address, records.address) as address,
        records.address as address_delivered,
        address_matches.address_code,
        coalesce(address_matches.match_level, 'none') as address_match_level,
        address_matches.township_code as address_township_code,
        records.phone,
        try_cast(records.established as date) as established,
        records.batch_id,
        records.source_file,
        records.source_line,
        records.delivery_date,
        (case when records.name is not null then 1 else 0 end)
        + (case when records.uscc is not null then 1 else 0 end)
        + (case when records.legal_rep is not null then 1 else 0 end)
        + (case when records.address is not null then 1 else 0 end)
        + (case when records.phone is not null then 1 else 0 end)
        + (case when records.established is not null then 1 else 0 end) as completeness
    from records
    inner join xref
        on records.source = xref.source and records.record_id = xref.record_id
    left join address_matches on address_matches.address = records.address

),

representatives as (

    -- the person party of the same row that is the organisation's representative
    select
        {{ row_id_of('record_id') }} as row_id,
        person_id as legal_rep_person_id,
        record_id as legal_rep_record_id
    from person_xref
    where record_id like '%#legal_rep' or record_id like '%#operator'
    qualify row_number() over (partition by {{ row_id_of('record_id') }} order by record_id) = 1

),

code_checks as (

    -- GB 32100 check once per distinct code (the UDF is the standards' one implementation)
    select uscc, coalesce(std_credit_code_valid(uscc), false) as is_uscc_valid
    from (select distinct uscc from resolved where uscc is not null) as codes

),

final as (

    select
        resolved.*,
        representatives.legal_rep_person_id,
        representatives.legal_rep_record_id,
        coalesce(code_checks.is_uscc_valid, false) as is_uscc_valid,
        resolved.legal_rep is not null and representatives.legal_rep_person_id is not null
            as is_legal_rep_valid,
        {{ sql_phone_valid('resolved.phone') }} as is_phone_valid,
        resolved.established <= {{ as_of_date() }} as is_established_valid,
        resolved.address_match_level in ('exact', 'tail', 'fuzzy', 'street', 'road') as is_address_valid
    from resolved
    left join representatives on representatives.row_id = resolved.row_id
    left join code_checks on code_checks.uscc = resolved.uscc

)

select * from final
