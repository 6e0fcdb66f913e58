-- Generated from pipelines/contracts by pipelines/dbt_codegen.py: do not edit.
-- Every person-bearing record for resolution: the current snapshot of snapshot
-- sources plus every row of incremental sources, one record per party role, with
-- record_seq: the record's position in record_id order, a compact integer key ordered
-- like record_id (survivorship's last tie-break and the libraries' joins use it).
with records as (

    select
        'dzzz__person_licence' as source,
        row_id || '#holder' as record_id,
        'holder' as role,
        cast(holder as {{ varchar() }}) as name,
        cast(holder_code as {{ varchar() }}) as id_number,
        cast(null as {{ varchar() }}) as gender,
        cast(null as {{ varchar() }}) as birth_date,
        cast(null as {{ varchar() }}) as phone,
        cast(null as {{ varchar() }}) as address,
        cast(null as {{ varchar() }}) as issued_key,
        batch_id,
        source_file,
        source_line,
        delivery_date
    from {{ ref('stg_dzzz__person_licence') }}
    where is_current
      and coalesce(cast(holder as {{ varchar() }}), cast(holder_code as {{ varchar() }})) is not null

    union all

    select
        'gongan__household_register' as source,
        row_id || '#self' as record_id,
        'self' as role,
        cast(name as {{ varchar() }}) as name,
        cast(id_number as {{ varchar() }}) as id_number,
        cast(gender as {{ varchar() }}) as gender,
        cast(birth_date as {{ varchar() }}) as birth_date,
        cast(phone as {{ varchar() }}) as phone,
        cast(address as {{ varchar() }}) as address,
        cast(null as {{ varchar() }}) as issued_key,
        batch_id,
        source_file,
        source_line,
        delivery_date
    from {{ ref('stg_gongan__household_register') }}
    where is_current
      and coalesce(cast(name as {{ varchar() }}), cast(id_number as {{ varchar() }}), cast(gender as {{ varchar() }}), cast(birth_date as {{ varchar() }}), cast(phone as {{ varchar() }}), cast(address as {{ varchar() }})) is not null

    union all

    select
        'gongan__residence_permit' as source,
        row_id || '#self' as record_id,
        'self' as role,
        cast(name as {{ varchar() }}) as name,
        cast(id_number as {{ varchar() }}) as id_number,
        cast(gender as {{ varchar() }}) as gender,
        cast(birth_date as {{ varchar() }}) as birth_date,
        cast(phone as {{ varchar() }}) as phone,
        cast(residence_address as {{ varchar() }}) as address,
        cast(null as {{ varchar() }}) as issued_key,
        batch_id,
        source_file,
        source_line,
        delivery_date
    from {{ ref('stg_gongan__residence_permit') }}
    where is_current
      and coalesce(cast(name as {{ varchar() }}), cast(id_number as {{ varchar() }}), cast(gender as {{ varchar() }}), cast(birth_date as {{ varchar() }}), cast(phone as {{ varchar() }}), cast(residence_address as {{ varchar() }})) is not null

    union all

    select
        'gongdian__account' as source,
        row_id || '#holder' as record_id,
        'holder' as role,
        cast(holder as {{ varchar() }}) as name,
        cast(id_number as {{ varchar() }}) as id_number,
        cast(null as {{ varchar() }}) as gender,
        cast(null as {{ varchar() }}) as birth_date,
        cast(phone as {{ varchar() }}) as phone,
        cast(address as {{ varchar() }}) as address,
        cast(null as {{ varchar() }}) as issued_key,
        batch_id,
        source_file,
        source_line,
        delivery_date
    from {{ ref('stg_gongdian__account') }}
    where is_current
      and coalesce(cast(holder as {{ varchar() }}), cast(id_number as {{ varchar() }}), cast(address as {{ varchar() }}), cast(phone as {{ varchar() }})) is not null
      and (category is null or category like '%居民%')

    union all

    select
        'gongshui__account' as source,
        row_id || '#holder' as record_id,
        'holder' as role,
        cast(holder as {{ varchar() }}) as name,
        cast(id_number as {{ varchar() }}) as id_number,
        cast(null as {{ varchar() }}) as gender,
        cast(null as {{ varchar() }}) as birth_date,
        cast(phone as {{ varchar() }}) as phone,
        cast(address as {{ varchar() }}) as address,
        cast(null as {{ varchar() }}) as issued_key,
        batch_id,
        source_file,
        source_line,
        delivery_date
    from {{ ref('stg_gongshui__account') }}
    where is_current
      and coalesce(cast(holder as {{ varchar() }}), cast(id_number as {{ varchar() }}), cast(address as {{ varchar() }}), cast(phone as {{ varchar() }})) is not null
      and (category is null or category like '%居民%')

    union all

    select
        'jiaoyu__student' as source,
        row_id || '#self' as record_id,
        'self' as role,
        cast(name as {{ varchar() }}) as name,
        cast(id_number as {{ varchar() }}) as id_number,
        cast(gender as {{ varchar() }}) as gender,
        cast(birth_date as {{ varchar() }}) as birth_date,
        cast(null as {{ varchar() }}) as phone,
        cast(address as {{ varchar() }}) as address,
        cast(null as {{ varchar() }}) as issued_key,
        batch_id,
        source_file,
        source_line,
        delivery_date
    from {{ ref('stg_jiaoyu__student') }}
    where is_current
      and coalesce(cast(name as {{ varchar() }}), cast(id_number as {{ varchar() }}), cast(gender as {{ varchar() }}), cast(birth_date as {{ varchar() }}), cast(address as {{ varchar() }})) is not null

    union all

    select
        'jiaoyu__student' as source,
        row_id || '#guardian' as record_id,
        'guardian' as role,
        cast(guardian_name as {{ varchar() }}) as name,
        cast(null as {{ varchar() }}) as id_number,
        cast(null as {{ varchar() }}) as gender,
        cast(null as {{ varchar() }}) as birth_date,
        cast(guardian_phone as {{ varchar() }}) as phone,
        cast(address as {{ varchar() }}) as address,
        cast(null as {{ varchar() }}) as issued_key,
        batch_id,
        source_file,
        source_line,
        delivery_date
    from {{ ref('stg_jiaoyu__student') }}
    where is_current
      and coalesce(cast(guardian_name as {{ varchar() }}), cast(guardian_phone as {{ varchar() }}), cast(address as {{ varchar() }})) is not null

    union all

    select
        'minzheng__death_cremation' as source,
        row_id || '#self' as record_id,
        'self' as role,
        cast(name as {{ varchar() }}) as name,
        cast(id_number as {{ varchar() }}) as id_number,
        cast(gender as {{ varchar() }}) as gender,
        cast(null as {{ varchar() }}) as birth_date,
        cast(null as {{ varchar() }}) as phone,
        cast(address as {{ varchar() }}) as address,
        cast(cremation_no as {{ varchar() }}) as issued_key,
        batch_id,
        source_file,
        source_line,
        delivery_date
    from {{ ref('stg_minzheng__death_cremation') }}
    where is_current
      and coalesce(cast(name as {{ varchar() }}), cast(id_number as {{ varchar() }}), cast(gender as {{ varchar() }}), cast(address as {{ varchar() }})) is not null

    union all

    select
        'minzheng__death_cremation' as source,
        row_id || '#family_contact' as record_id,
        'family_contact' as role,
        cast(family_name as {{ varchar() }}) as name,
        cast(null as {{ varchar() }}) as id_number,
        cast(null as {{ varchar() }}) as gender,
        cast(null as {{ varchar() }}) as birth_date,
        cast(family_phone as {{ varchar() }}) as phone,
        cast(null as {{ varchar() }}) as address,
        cast(null as {{ varchar() }}) as issued_key,
        batch_id,
        source_file,
        source_line,
        delivery_date
    from {{ ref('stg_minzheng__death_cremation') }}
    where is_current
      and coalesce(cast(family_name as {{ varchar() }}), cast(family_phone as {{ varchar() }})) is not null

    union all

    select
        'minzheng__marriage_registration' as source,
        row_id || '#husband' as record_id,
        'husband' as role,
        cast(male_name as {{ varchar() }}) as name,
        cast(male_id_number as {{ varchar() }}) as id_number,
        cast(null as {{ varchar() }}) as gender,
        cast(male_birth_date as {{ varchar() }}) as birth_date,
        cast(null as {{ varchar() }}) as phone,
        cast(male_address as {{ varchar() }}) as address,
        cast(null as {{ varchar() }}) as issued_key,
        batch_id,
        source_file,
        source_line,
        delivery_date
    from {{ ref('stg_minzheng__marriage_registration') }}
    where is_current
      and coalesce(cast(male_name as {{ varchar() }}), cast(male_id_number as {{ varchar() }}), cast(male_birth_date as {{ varchar() }}), cast(male_address as {{ varchar() }})) is not null

    union all

    select
        'minzheng__marriage_registration' as source,
        row_id || '#wife' as record_id,
        'wife' as role,
        cast(female_name as {{ varchar() }}) as name,
        cast(female_id_number as {{ varchar() }}) as id_number,
        cast(null as {{ varchar() }}) as gender,
        cast(female_birth_date as {{ varchar() }}) as birth_date,
        cast(null as {{ varchar() }}) as phone,
        cast(female_address as {{ varchar() }}) as address,
        cast(null as {{ varchar() }}) as issued_key,
        batch_id,
        source_file,
        source_line,
        delivery_date
    from {{ ref('stg_minzheng__marriage_registration') }}
    where is_current
      and coalesce(cast(female_name as {{ varchar() }}), cast(female_id_number as {{ varchar() }}), cast(female_birth_date as {{ varchar() }}), cast(female_address as {{ varchar() }})) is not null

    union all

    select
        'minzheng__social_organization' as source,
        row_id || '#legal_rep' as record_id,
        'legal_rep' as role,
        cast(legal_rep as {{ varchar() }}) as name,
        cast(legal_rep_id as {{ varchar() }}) as id_number,
        cast(null as {{ varchar() }}) as gender,
        cast(null as {{ varchar() }}) as birth_date,
        cast(null as {{ varchar() }}) as phone,
        cast(null as {{ varchar() }}) as address,
        cast(null as {{ varchar() }}) as issued_key,
        batch_id,
        source_file,
        source_line,
        delivery_date
    from {{ ref('stg_minzheng__social_organization') }}
    where is_current
      and coalesce(cast(legal_rep as {{ varchar() }}), cast(legal_rep_id as {{ varchar() }})) is not null

    union all

    select
        'minzheng__subsistence_allowance' as source,
        row_id || '#self' as record_id,
        'self' as role,
        cast(name as {{ varchar() }}) as name,
        cast(id_number as {{ varchar() }}) as id_number,
        cast(null as {{ varchar() }}) as gender,
        cast(null as {{ varchar() }}) as birth_date,
        cast(phone as {{ varchar() }}) as phone,
        cast(null as {{ varchar() }}) as address,
        cast(null as {{ varchar() }}) as issued_key,
        batch_id,
        source_file,
        source_line,
        delivery_date
    from {{ ref('stg_minzheng__subsistence_allowance') }}
    where is_current
      and coalesce(cast(name as {{ varchar() }}), cast(id_number as {{ varchar() }}), cast(phone as {{ varchar() }})) is not null

    union all

    select
        'renshe__insured_person' as source,
        row_id || '#self' as record_id,
        'self' as role,
        cast(name as {{ varchar() }}) as name,
        cast(id_number as {{ varchar() }}) as id_number,
        cast(gender as {{ varchar() }}) as gender,
        cast(birth_date as {{ varchar() }}) as birth_date,
        cast(phone as {{ varchar() }}) as phone,
        cast(address as {{ varchar() }}) as address,
        cast(null as {{ varchar() }}) as issued_key,
        batch_id,
        source_file,
        source_line,
        delivery_date
    from {{ ref('stg_renshe__insured_person') }}
    where is_current
      and coalesce(cast(name as {{ varchar() }}), cast(id_number as {{ varchar() }}), cast(gender as {{ varchar() }}), cast(birth_date as {{ varchar() }}), cast(phone as {{ varchar() }}), cast(address as {{ varchar() }})) is not null

    union all

    select
        'renshe__payments' as source,
        row_id || '#self' as record_id,
        'self' as role,
        cast(name as {{ varchar() }}) as name,
        cast(id_number as {{ varchar() }}) as id_number,
        cast(null as {{ varchar() }}) as gender,
        cast(null as {{ varchar() }}) as birth_date,
        cast(null as {{ varchar() }}) as phone,
        cast(null as {{ varchar() }}) as address,
        cast(null as {{ varchar() }}) as issued_key,
        batch_id,
        source_file,
        source_line,
        delivery_date
    from {{ ref('stg_renshe__payments') }}
    where is_current
      and coalesce(cast(name as {{ varchar() }}), cast(id_number as {{ varchar() }})) is not null

    union all

    select
        'shenpi__licence' as source,
        row_id || '#legal_rep' as record_id,
        'legal_rep' as role,
        cast(legal_rep as {{ varchar() }}) as name,
        cast(id_number as {{ varchar() }}) as id_number,
        cast(null as {{ varchar() }}) as gender,
        cast(null as {{ varchar() }}) as birth_date,
        cast(null as {{ varchar() }}) as phone,
        cast(null as {{ varchar() }}) as address,
        cast(null as {{ varchar() }}) as issued_key,
        batch_id,
        source_file,
        source_line,
        delivery_date
    from {{ ref('stg_shenpi__licence') }}
    where is_current
      and coalesce(cast(legal_rep as {{ varchar() }}), cast(id_number as {{ varchar() }})) is not null

    union all

    select
        'shichang__enterprise' as source,
        row_id || '#legal_rep' as record_id,
        'legal_rep' as role,
        cast(legal_rep as {{ varchar() }}) as name,
        cast(legal_rep_id as {{ varchar() }}) as id_number,
        cast(null as {{ varchar() }}) as gender,
        cast(null as {{ varchar() }}) as birth_date,
        cast(null as {{ varchar() }}) as phone,
        cast(null as {{ varchar() }}) as address,
        cast(null as {{ varchar() }}) as issued_key,
        batch_id,
        source_file,
        source_line,
        delivery_date
    from {{ ref('stg_shichang__enterprise') }}
    where is_current
      and coalesce(cast(legal_rep as {{ varchar() }}), cast(legal_rep_id as {{ varchar() }})) is not null

    union all

    select
        'shichang__individual_business' as source,
        row_id || '#operator' as record_id,
        'operator' as role,
        cast(operator as {{ varchar() }}) as name,
        cast(operator_id as {{ varchar() }}) as id_number,
        cast(null as {{ varchar() }}) as gender,
        cast(null as {{ varchar() }}) as birth_date,
        cast(phone as {{ varchar() }}) as phone,
        cast(null as {{ varchar() }}) as address,
        cast(null as {{ varchar() }}) as issued_key,
        batch_id,
        source_file,
        source_line,
        delivery_date
    from {{ ref('stg_shichang__individual_business') }}
    where is_current
      and coalesce(cast(operator as {{ varchar() }}), cast(operator_id as {{ varchar() }}), cast(phone as {{ varchar() }})) is not null

    union all

    select
        'shuiwu__taxpayer' as source,
        row_id || '#legal_rep' as record_id,
        'legal_rep' as role,
        cast(legal_rep as {{ varchar() }}) as name,
        cast(legal_rep_id as {{ varchar() }}) as id_number,
        cast(null as {{ varchar() }}) as gender,
        cast(null as {{ varchar() }}) as birth_date,
        cast(null as {{ varchar() }}) as phone,
        cast(null as {{ varchar() }}) as address,
        cast(null as {{ varchar() }}) as issued_key,
        batch_id,
        source_file,
        source_line,
        delivery_date
    from {{ ref('stg_shuiwu__taxpayer') }}
    where is_current
      and coalesce(cast(legal_rep as {{ varchar() }}), cast(legal_rep_id as {{ varchar() }})) is not null

    union all

    select
        'weijian__birth_certificate' as source,
        row_id || '#self' as record_id,
        'self' as role,
        cast(child_name as {{ varchar() }}) as name,
        cast(null as {{ varchar() }}) as id_number,
        cast(child_gender as {{ varchar() }}) as gender,
        cast(birth_date as {{ varchar() }}) as birth_date,
        cast(null as {{ varchar() }}) as phone,
        cast(address as {{ varchar() }}) as address,
        cast(certificate_no as {{ varchar() }}) as issued_key,
        batch_id,
        source_file,
        source_line,
        delivery_date
    from {{ ref('stg_weijian__birth_certificate') }}
    where is_current
      and coalesce(cast(child_name as {{ varchar() }}), cast(child_gender as {{ varchar() }}), cast(birth_date as {{ varchar() }}), cast(address as {{ varchar() }})) is not null

    union all

    select
        'weijian__birth_certificate' as source,
        row_id || '#mother' as record_id,
        'mother' as role,
        cast(mother_name as {{ varchar() }}) as name,
        cast(mother_id_number as {{ varchar() }}) as id_number,
        cast(null as {{ varchar() }}) as gender,
        cast(null as {{ varchar() }}) as birth_date,
        cast(null as {{ varchar() }}) as phone,
        cast(null as {{ varchar() }}) as address,
        cast(null as {{ varchar() }}) as issued_key,
        batch_id,
        source_file,
        source_line,
        delivery_date
    from {{ ref('stg_weijian__birth_certificate') }}
    where is_current
      and coalesce(cast(mother_name as {{ varchar() }}), cast(mother_id_number as {{ varchar() }})) is not null

    union all

    select
        'weijian__birth_certificate' as source,
        row_id || '#father' as record_id,
        'father' as role,
        cast(father_name as {{ varchar() }}) as name,
        cast(father_id_number as {{ varchar() }}) as id_number,
        cast(null as {{ varchar() }}) as gender,
        cast(null as {{ varchar() }}) as birth_date,
        cast(null as {{ varchar() }}) as phone,
        cast(null as {{ varchar() }}) as address,
        cast(null as {{ varchar() }}) as issued_key,
        batch_id,
        source_file,
        source_line,
        delivery_date
    from {{ ref('stg_weijian__birth_certificate') }}
    where is_current
      and coalesce(cast(father_name as {{ varchar() }}), cast(father_id_number as {{ varchar() }})) is not null

    union all

    select
        'weijian__death_certificate' as source,
        row_id || '#self' as record_id,
        'self' as role,
        cast(name as {{ varchar() }}) as name,
        cast(id_number as {{ varchar() }}) as id_number,
        cast(gender as {{ varchar() }}) as gender,
        cast(birth_date as {{ varchar() }}) as birth_date,
        cast(null as {{ varchar() }}) as phone,
        cast(address as {{ varchar() }}) as address,
        cast(certificate_no as {{ varchar() }}) as issued_key,
        batch_id,
        source_file,
        source_line,
        delivery_date
    from {{ ref('stg_weijian__death_certificate') }}
    where is_current
      and coalesce(cast(name as {{ varchar() }}), cast(id_number as {{ varchar() }}), cast(gender as {{ varchar() }}), cast(birth_date as {{ varchar() }}), cast(address as {{ varchar() }})) is not null

    union all

    select
        'zhifa__penalty' as source,
        row_id || '#legal_rep' as record_id,
        'legal_rep' as role,
        cast(legal_rep as {{ varchar() }}) as name,
        cast(id_number as {{ varchar() }}) as id_number,
        cast(null as {{ varchar() }}) as gender,
        cast(null as {{ varchar() }}) as birth_date,
        cast(null as {{ varchar() }}) as phone,
        cast(null as {{ varchar() }}) as address,
        cast(null as {{ varchar() }}) as issued_key,
        batch_id,
        source_file,
        source_line,
        delivery_date
    from {{ ref('stg_zhifa__penalty') }}
    where is_current
      and coalesce(cast(legal_rep as {{ varchar() }}), cast(id_number as {{ varchar() }})) is not null

    union all

    select
        'zhujian__property_registration' as source,
        row_id || '#owner' as record_id,
        'owner' as role,
        cast(owner_name as {{ varchar() }}) as name,
        cast(owner_id as {{ varchar() }}) as id_number,
        cast(null as {{ varchar() }}) as gender,
        cast(null as {{ varchar() }}) as birth_date,
        cast(phone as {{ varchar() }}) as phone,
        cast(location as {{ varchar() }}) as address,
        cast(null as {{ varchar() }}) as issued_key,
        batch_id,
        source_file,
        source_line,
        delivery_date
    from {{ ref('stg_zhujian__property_registration') }}
    where is_current
      and coalesce(cast(owner_name as {{ varchar() }}), cast(owner_id as {{ varchar() }}), cast(location as {{ varchar() }}), cast(phone as {{ varchar() }})) is not null

    union all

    select
        'zhujian__property_registration' as source,
        row_id || '#co_owner' as record_id,
        'co_owner' as role,
        cast(co_owner_name as {{ varchar() }}) as name,
        cast(co_owner_id as {{ varchar() }}) as id_number,
        cast(null as {{ varchar() }}) as gender,
        cast(null as {{ varchar() }}) as birth_date,
        cast(null as {{ varchar() }}) as phone,
        cast(null as {{ varchar() }}) as address,
        cast(null as {{ varchar() }}) as issued_key,
        batch_id,
        source_file,
        source_line,
        delivery_date
    from {{ ref('stg_zhujian__property_registration') }}
    where is_current
      and coalesce(cast(co_owner_name as {{ varchar() }}), cast(co_owner_id as {{ varchar() }})) is not null

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
