{{ config(pre_hook=write_uncompressed(), post_hook=write_compressed()) }}
-- Link table: every source record resolved into a golden organisation, with its file, batch and
-- line and the golden attributes it supplied. Grain: one row per organisation record.
with resolved as (

    select * from {{ ref('int_org_records_resolved') }}

),

organization as (

    select org_id from {{ ref('organization') }}

),

choices as (

    select * from {{ ref('int_org_golden_choices') }}

),

final as (

    select
        resolved.org_id,
        resolved.source,
        resolved.record_id,
        resolved.role,
        resolved.row_id,
        resolved.batch_id,
        resolved.source_file,
        resolved.source_line,
        cast(resolved.delivery_date as date) as delivery_date,
        -- the golden attributes this record supplied (the survivorship choices that cite it)
        nullif(concat_ws(',',
            case when choices.address_record_seq = resolved.record_seq then 'address' end,
            case when choices.established_record_seq = resolved.record_seq then 'established' end,
            case when choices.legal_rep_record_seq = resolved.record_seq then 'legal_rep' end,
            case when choices.name_record_seq = resolved.record_seq then 'name' end,
            case when choices.phone_record_seq = resolved.record_seq then 'phone' end,
            case when choices.uscc_record_seq = resolved.record_seq then 'uscc' end
        ), '') as supplied_attributes
    from resolved
    inner join organization using (org_id)
    left join choices using (org_id)

)

select * from final
