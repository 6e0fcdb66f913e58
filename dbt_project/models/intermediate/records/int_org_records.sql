-- Generated from pipelines/contracts by pipelines/dbt_codegen.py: do not edit.
-- Every organisation-bearing record for resolution: the current snapshot of snapshot
-- sources plus every row of incremental sources, one record per party role, with
-- record_seq: the record's position in record_id order, a compact integer key ordered
-- like record_id (survivorship's last tie-break and the libraries' joins use it).
with records as (

    select
        'dashuju__information_system' as source,
        row_id || '#owner' as record_id,
        'owner' as role,
        cast(owner as {{ varchar() }}) as name,
        cast(owner_uscc as {{ varchar() }}) as uscc,
        cast(null as {{ varchar() }}) as legal_rep,
        cast(null as {{ varchar() }}) as address,
        cast(null as {{ varchar() }}) as phone,
        cast(null as {{ varchar() }}) as established,
        batch_id,
        source_file,
        source_line,
        delivery_date
    from {{ ref('stg_dashuju__information_system') }}
    where is_current
      and coalesce(cast(owner as {{ varchar() }}), cast(owner_uscc as {{ varchar() }})) is not null

    union all

    select
        'dzzz__org_licence' as source,
        row_id || '#holder' as record_id,
        'holder' as role,
        cast(holder as {{ varchar() }}) as name,
        cast(holder_code as {{ varchar() }}) as uscc,
        cast(null as {{ varchar() }}) as legal_rep,
        cast(null as {{ varchar() }}) as address,
        cast(null as {{ varchar() }}) as phone,
        cast(null as {{ varchar() }}) as established,
        batch_id,
        source_file,
        source_line,
        delivery_date
    from {{ ref('stg_dzzz__org_licence') }}
    where is_current
      and coalesce(cast(holder as {{ varchar() }}), cast(holder_code as {{ varchar() }})) is not null

    union all

    select
        'fagai__investment_project' as source,
        row_id || '#owner' as record_id,
        'owner' as role,
        cast(owner as {{ varchar() }}) as name,
        cast(owner_uscc as {{ varchar() }}) as uscc,
        cast(null as {{ varchar() }}) as legal_rep,
        cast(null as {{ varchar() }}) as address,
        cast(null as {{ varchar() }}) as phone,
        cast(null as {{ varchar() }}) as established,
        batch_id,
        source_file,
        source_line,
        delivery_date
    from {{ ref('stg_fagai__investment_project') }}
    where is_current
      and coalesce(cast(owner as {{ varchar() }}), cast(owner_uscc as {{ varchar() }})) is not null

    union all

    select
        'minzheng__social_organization' as source,
        row_id || '#self' as record_id,
        'self' as role,
        cast(name as {{ varchar() }}) as name,
        cast(uscc as {{ varchar() }}) as uscc,
        cast(legal_rep as {{ varchar() }}) as legal_rep,
        cast(address as {{ varchar() }}) as address,
        cast(phone as {{ varchar() }}) as phone,
        cast(established as {{ varchar() }}) as established,
        batch_id,
        source_file,
        source_line,
        delivery_date
    from {{ ref('stg_minzheng__social_organization') }}
    where is_current
      and coalesce(cast(name as {{ varchar() }}), cast(uscc as {{ varchar() }}), cast(legal_rep as {{ varchar() }}), cast(address as {{ varchar() }}), cast(phone as {{ varchar() }}), cast(established as {{ varchar() }})) is not null

    union all

    select
        'renshe__insured_person' as source,
        row_id || '#employer' as record_id,
        'employer' as role,
        cast(employer as {{ varchar() }}) as name,
        cast(employer_uscc as {{ varchar() }}) as uscc,
        cast(null as {{ varchar() }}) as legal_rep,
        cast(null as {{ varchar() }}) as address,
        cast(null as {{ varchar() }}) as phone,
        cast(null as {{ varchar() }}) as established,
        batch_id,
        source_file,
        source_line,
        delivery_date
    from {{ ref('stg_renshe__insured_person') }}
    where is_current
      and coalesce(cast(employer as {{ varchar() }}), cast(employer_uscc as {{ varchar() }})) is not null

    union all

    select
        'shenpi__licence' as source,
        row_id || '#holder' as record_id,
        'holder' as role,
        cast(party_name as {{ varchar() }}) as name,
        cast(uscc as {{ varchar() }}) as uscc,
        cast(legal_rep as {{ varchar() }}) as legal_rep,
        cast(null as {{ varchar() }}) as address,
        cast(null as {{ varchar() }}) as phone,
        cast(null as {{ varchar() }}) as established,
        batch_id,
        source_file,
        source_line,
        delivery_date
    from {{ ref('stg_shenpi__licence') }}
    where is_current
      and coalesce(cast(party_name as {{ varchar() }}), cast(uscc as {{ varchar() }}), cast(legal_rep as {{ varchar() }})) is not null

    union all

    select
        'shichang__annual_report' as source,
        row_id || '#self' as record_id,
        'self' as role,
        cast(name as {{ varchar() }}) as name,
        cast(uscc as {{ varchar() }}) as uscc,
        cast(null as {{ varchar() }}) as legal_rep,
        cast(address as {{ varchar() }}) as address,
        cast(phone as {{ varchar() }}) as phone,
        cast(null as {{ varchar() }}) as established,
        batch_id,
        source_file,
        source_line,
        delivery_date
    from {{ ref('stg_shichang__annual_report') }}
    where is_current
      and coalesce(cast(name as {{ varchar() }}), cast(uscc as {{ varchar() }}), cast(address as {{ varchar() }}), cast(phone as {{ varchar() }})) is not null

    union all

    select
        'shichang__enterprise' as source,
        row_id || '#self' as record_id,
        'self' as role,
        cast(name as {{ varchar() }}) as name,
        cast(uscc as {{ varchar() }}) as uscc,
        cast(legal_rep as {{ varchar() }}) as legal_rep,
        cast(address as {{ varchar() }}) as address,
        cast(phone as {{ varchar() }}) as phone,
        cast(established as {{ varchar() }}) as established,
        batch_id,
        source_file,
        source_line,
        delivery_date
    from {{ ref('stg_shichang__enterprise') }}
    where is_current
      and coalesce(cast(name as {{ varchar() }}), cast(uscc as {{ varchar() }}), cast(legal_rep as {{ varchar() }}), cast(address as {{ varchar() }}), cast(phone as {{ varchar() }}), cast(established as {{ varchar() }})) is not null

    union all

    select
        'shichang__individual_business' as source,
        row_id || '#self' as record_id,
        'self' as role,
        cast(name as {{ varchar() }}) as name,
        cast(uscc as {{ varchar() }}) as uscc,
        cast(operator as {{ varchar() }}) as legal_rep,
        cast(address as {{ varchar() }}) as address,
        cast(phone as {{ varchar() }}) as phone,
        cast(established as {{ varchar() }}) as established,
        batch_id,
        source_file,
        source_line,
        delivery_date
    from {{ ref('stg_shichang__individual_business') }}
    where is_current
      and coalesce(cast(name as {{ varchar() }}), cast(uscc as {{ varchar() }}), cast(operator as {{ varchar() }}), cast(address as {{ varchar() }}), cast(phone as {{ varchar() }}), cast(established as {{ varchar() }})) is not null

    union all

    select
        'shuiwu__monthly_tax' as source,
        row_id || '#self' as record_id,
        'self' as role,
        cast(name as {{ varchar() }}) as name,
        cast(taxpayer_id as {{ varchar() }}) as uscc,
        cast(null as {{ varchar() }}) as legal_rep,
        cast(null as {{ varchar() }}) as address,
        cast(null as {{ varchar() }}) as phone,
        cast(null as {{ varchar() }}) as established,
        batch_id,
        source_file,
        source_line,
        delivery_date
    from {{ ref('stg_shuiwu__monthly_tax') }}
    where is_current
      and coalesce(cast(name as {{ varchar() }}), cast(taxpayer_id as {{ varchar() }})) is not null

    union all

    select
        'shuiwu__taxpayer' as source,
        row_id || '#self' as record_id,
        'self' as role,
        cast(name as {{ varchar() }}) as name,
        cast(taxpayer_id as {{ varchar() }}) as uscc,
        cast(legal_rep as {{ varchar() }}) as legal_rep,
        cast(address as {{ varchar() }}) as address,
        cast(phone as {{ varchar() }}) as phone,
        cast(registered as {{ varchar() }}) as established,
        batch_id,
        source_file,
        source_line,
        delivery_date
    from {{ ref('stg_shuiwu__taxpayer') }}
    where is_current
      and coalesce(cast(name as {{ varchar() }}), cast(taxpayer_id as {{ varchar() }}), cast(legal_rep as {{ varchar() }}), cast(address as {{ varchar() }}), cast(phone as {{ varchar() }}), cast(registered as {{ varchar() }})) is not null

    union all

    select
        'weijian__medical_institution' as source,
        row_id || '#self' as record_id,
        'self' as role,
        cast(name as {{ varchar() }}) as name,
        cast(uscc as {{ varchar() }}) as uscc,
        cast(legal_rep as {{ varchar() }}) as legal_rep,
        cast(address as {{ varchar() }}) as address,
        cast(phone as {{ varchar() }}) as phone,
        cast(null as {{ varchar() }}) as established,
        batch_id,
        source_file,
        source_line,
        delivery_date
    from {{ ref('stg_weijian__medical_institution') }}
    where is_current
      and coalesce(cast(name as {{ varchar() }}), cast(uscc as {{ varchar() }}), cast(legal_rep as {{ varchar() }}), cast(address as {{ varchar() }}), cast(phone as {{ varchar() }})) is not null

    union all

    select
        'xinyong__credit_list' as source,
        row_id || '#self' as record_id,
        'self' as role,
        cast(subject_name as {{ varchar() }}) as name,
        cast(uscc as {{ varchar() }}) as uscc,
        cast(legal_rep as {{ varchar() }}) as legal_rep,
        cast(null as {{ varchar() }}) as address,
        cast(null as {{ varchar() }}) as phone,
        cast(null as {{ varchar() }}) as established,
        batch_id,
        source_file,
        source_line,
        delivery_date
    from {{ ref('stg_xinyong__credit_list') }}
    where is_current
      and coalesce(cast(subject_name as {{ varchar() }}), cast(uscc as {{ varchar() }}), cast(legal_rep as {{ varchar() }})) is not null

    union all

    select
        'zhifa__penalty' as source,
        row_id || '#self' as record_id,
        'self' as role,
        cast(party_name as {{ varchar() }}) as name,
        cast(uscc as {{ varchar() }}) as uscc,
        cast(legal_rep as {{ varchar() }}) as legal_rep,
        cast(null as {{ varchar() }}) as address,
        cast(null as {{ varchar() }}) as phone,
        cast(null as {{ varchar() }}) as established,
        batch_id,
        source_file,
        source_line,
        delivery_date
    from {{ ref('stg_zhifa__penalty') }}
    where is_current
      and coalesce(cast(party_name as {{ varchar() }}), cast(uscc as {{ varchar() }}), cast(legal_rep as {{ varchar() }})) is not null

    union all

    select
        'ziranziyuan__land_parcel' as source,
        row_id || '#owner' as record_id,
        'owner' as role,
        cast(owner as {{ varchar() }}) as name,
        cast(owner_uscc as {{ varchar() }}) as uscc,
        cast(null as {{ varchar() }}) as legal_rep,
        cast(null as {{ varchar() }}) as address,
        cast(null as {{ varchar() }}) as phone,
        cast(null as {{ varchar() }}) as established,
        batch_id,
        source_file,
        source_line,
        delivery_date
    from {{ ref('stg_ziranziyuan__land_parcel') }}
    where is_current
      and coalesce(cast(owner as {{ varchar() }}), cast(owner_uscc as {{ varchar() }})) is not null

),

-- record_seq ranks the record ids alone, joined back: a window ordered over every
-- column holds the whole relation in memory at once and failed at city scale (31 M
-- person records: out of memory at DuckDB's 8 GB limit), where the join and the sort
-- spill. (bigint on every engine: Spark's row_number is an int)
seq as (

    select record_id, cast(row_number() over (order by record_id) as bigint) as record_seq
    from records

)

-- in record_id order (record ids are unique): resolution reads the records in table order
-- (a rerun must compare the same pairs in the same order)
select records.*, seq.record_seq
from records
inner join seq on seq.record_id = records.record_id
order by seq.record_seq
