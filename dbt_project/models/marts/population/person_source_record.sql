{{ config(pre_hook=write_uncompressed(), post_hook=write_compressed()) }}
-- Link table: every source record resolved into a golden person, with its file, batch and line,
-- and the golden attributes it supplied. Grain: one row per person record
-- (int_person_records: current snapshots and every incremental row).
with resolved as (

    select * from {{ ref('int_person_records_resolved') }}

),

records as (

    select record_seq, role, batch_id, source_file, source_line from {{ ref('int_person_records') }}

),

choices as (

    select * from {{ ref('int_person_golden_choices') }}

),

final as (

    select
        resolved.person_id,
        resolved.source,
        resolved.record_id,
        records.role,
        {{ row_id_of('resolved.record_id') }} as row_id,
        records.batch_id,
        records.source_file,
        records.source_line,
        cast(resolved.delivery_date as date) as delivery_date,
        -- the golden attributes this record supplied (the survivorship choices that cite it)
        nullif(concat_ws(',',
            case when choices.address_record_seq = resolved.record_seq then 'address' end,
            case when choices.birth_date_record_seq = resolved.record_seq then 'birth_date' end,
            case when choices.gender_record_seq = resolved.record_seq then 'gender' end,
            case when choices.id_number_record_seq = resolved.record_seq then 'id_number' end,
            case when choices.name_record_seq = resolved.record_seq then 'name' end,
            case when choices.phone_record_seq = resolved.record_seq then 'phone' end
        ), '') as supplied_attributes
    from resolved
    -- the record's lineage, by its integer key
    inner join records on records.record_seq = resolved.record_seq
    -- every resolved person is a golden person (person is built from the same records)
    left join choices on choices.person_id = resolved.person_id

)

select * from final
