-- Generated from pipelines/contracts by pipelines/dbt_codegen.py: do not edit.
-- Every person-bearing record for resolution: the current snapshot of snapshot
-- sources plus every row of incremental sources, one record per party role.
with records as (

    select
        'dzzz__person_licence' as source,
        row_id || '#holder' as record_id,
        'holder' as role,
        cast(holder as varchar) as name,
        cast(holder_code as varchar) as id_number,
        cast(null as varchar) as gender,
        cast(null as varchar) as birth_date,
        cast(null as varchar) as phone,
        cast(null as varchar) as address,
        batch_id,
        source_file,
        source_line,
        delivery_date
    from {{ ref('stg_dzzz__person_licence') }}
    where is_current
      and coalesce(holder, holder_code) is not null

    union all

    select
        'gongan__household_register' as source,
        row_id || '#self' as record_id,
        'self' as role,
        cast(name as varchar) as name,
        cast(id_number as varchar) as id_number,
        cast(gender as varchar) as gender,
        cast(birth_date as varchar) as birth_date,
        cast(phone as varchar) as phone,
        cast(address as varchar) as address,
        batch_id,
        source_file,
        source_line,
        delivery_date
    from {{ ref('stg_gongan__household_register') }}
    where is_current
      and coalesce(name, id_number, gender, birth_date, phone, address) is not null

    union all

    select
        'gongan__residence_permit' as source,
        row_id || '#self' as record_id,
        'self' as role,
        cast(name as varchar) as name,
        cast(id_number as varchar) as id_number,
        cast(gender as varchar) as gender,
        cast(birth_date as varchar) as birth_date,
        cast(phone as varchar) as phone,
        cast(residence_address as varchar) as address,
        batch_id,
        source_file,
        source_line,
        delivery_date
    from {{ ref('stg_gongan__residence_permit') }}
    where is_current
      and coalesce(name, id_number, gender, birth_date, phone, residence_address) is not null

    union all

    select
        'gongdian__account' as source,
        row_id || '#holder' as record_id,
        'holder' as role,
        cast(holder as varchar) as name,
        cast(id_number as varchar) as id_number,
        cast(null as varchar) as gender,
        cast(null as varchar) as birth_date,
        cast(phone as varchar) as phone,
        cast(address as varchar) as address,
        batch_id,
        source_file,
        source_line,
        delivery_date
    from {{ ref('stg_gongdian__account') }}
    where is_current
      and coalesce(holder, id_number, address, phone) is not null

    union all

    select
        'gongshui__account' as source,
        row_id || '#holder' as record_id,
        'holder' as role,
        cast(holder as varchar) as name,
        cast(id_number as varchar) as id_number,
        cast(null as varchar) as gender,
        cast(null as varchar) as birth_date,
        cast(phone as varchar) as phone,
        cast(address as varchar) as address,
        batch_id,
        source_file,
        source_line,
        delivery_date
    from {{ ref('stg_gongshui__account') }}
    where is_current
      and coalesce(holder, id_number, address, phone) is not null

    union all

    select
        'jiaoyu__student' as source,
        row_id || '#self' as record_id,
        'self' as role,
        cast(name as varchar) as name,
        cast(id_number as varchar) as id_number,
        cast(gender as varchar) as gender,
        cast(birth_date as varchar) as birth_date,
        cast(null as varchar) as phone,
        cast(address as varchar) as address,
        batch_id,
        source_file,
        source_line,
        delivery_date
    from {{ ref('stg_jiaoyu__student') }}
    where is_current
      and coalesce(name, id_number, gender, birth_date, address) is not null

    union all

    select
        'jiaoyu__student' as source,
        row_id || '#guardian' as record_id,
        'guardian' as role,
        cast(guardian_name as varchar) as name,
        cast(null as varchar) as id_number,
        cast(null as varchar) as gender,
        cast(null as varchar) as birth_date,
        cast(guardian_phone as varchar) as phone,
        cast(address as varchar) as address,
        batch_id,
        source_file,
        source_line,
        delivery_date
    from {{ ref('stg_jiaoyu__student') }}
    where is_current
      and coalesce(guardian_name, guardian_phone, address) is not null

    union all

    select
        'minzheng__death_cremation' as source,
        row_id || '#self' as record_id,
        'self' as role,
        cast(name as varchar) as name,
        cast(id_number as varchar) as id_number,
        cast(gender as varchar) as gender,
        cast(null as varchar) as birth_date,
        cast(null as varchar) as phone,
        cast(address as varchar) as address,
        batch_id,
        source_file,
        source_line,
        delivery_date
    from {{ ref('stg_minzheng__death_cremation') }}
    where is_current
      and coalesce(name, id_number, gender, address) is not null

    union all

    select
        'minzheng__death_cremation' as source,
        row_id || '#family_contact' as record_id,
        'family_contact' as role,
        cast(family_name as varchar) as name,
        cast(null as varchar) as id_number,
        cast(null as varchar) as gender,
        cast(null as varchar) as birth_date,
        cast(family_phone as varchar) as phone,
        cast(null as varchar) as address,
        batch_id,
        source_file,
        source_line,
        delivery_date
    from {{ ref('stg_minzheng__death_cremation') }}
    where is_current
      and coalesce(family_name, family_phone) is not null

    union all

    select
        'minzheng__marriage_registration' as source,
        row_id || '#husband' as record_id,
        'husband' as role,
        cast(male_name as varchar) as name,
        cast(male_id_number as varchar) as id_number,
        cast(null as varchar) as gender,
        cast(male_birth_date as varchar) as birth_date,
        cast(null as varchar) as phone,
        cast(male_address as varchar) as address,
        batch_id,
        source_file,
        source_line,
        delivery_date
    from {{ ref('stg_minzheng__marriage_registration') }}
    where is_current
      and coalesce(male_name, male_id_number, male_birth_date, male_address) is not null

    union all

    select
        'minzheng__marriage_registration' as source,
        row_id || '#wife' as record_id,
        'wife' as role,
        cast(female_name as varchar) as name,
        cast(female_id_number as varchar) as id_number,
        cast(null as varchar) as gender,
        cast(female_birth_date as varchar) as birth_date,
        cast(null as varchar) as phone,
        cast(female_address as varchar) as address,
        batch_id,
        source_file,
        source_line,
        delivery_date
    from {{ ref('stg_minzheng__marriage_registration') }}
    where is_current
      and coalesce(female_name, female_id_number, female_birth_date, female_address) is not null

    union all

    select
        'minzheng__social_organization' as source,
        row_id || '#legal_rep' as record_id,
        'legal_rep' as role,
        cast(legal_rep as varchar) as name,
        cast(legal_rep_id as varchar) as id_number,
        cast(null as varchar) as gender,
        cast(null as varchar) as birth_date,
        cast(null as varchar) as phone,
        cast(null as varchar) as address,
        batch_id,
        source_file,
        source_line,
        delivery_date
    from {{ ref('stg_minzheng__social_organization') }}
    where is_current
      and coalesce(legal_rep, legal_rep_id) is not null

    union all

    select
        'minzheng__subsistence_allowance' as source,
        row_id || '#self' as record_id,
        'self' as role,
        cast(name as varchar) as name,
        cast(id_number as varchar) as id_number,
        cast(null as varchar) as gender,
        cast(null as varchar) as birth_date,
        cast(phone as varchar) as phone,
        cast(null as varchar) as address,
        batch_id,
        source_file,
        source_line,
        delivery_date
    from {{ ref('stg_minzheng__subsistence_allowance') }}
    where is_current
      and coalesce(name, id_number, phone) is not null

    union all

    select
        'renshe__insured_person' as source,
        row_id || '#self' as record_id,
        'self' as role,
        cast(name as varchar) as name,
        cast(id_number as varchar) as id_number,
        cast(gender as varchar) as gender,
        cast(birth_date as varchar) as birth_date,
        cast(phone as varchar) as phone,
        cast(address as varchar) as address,
        batch_id,
        source_file,
        source_line,
        delivery_date
    from {{ ref('stg_renshe__insured_person') }}
    where is_current
      and coalesce(name, id_number, gender, birth_date, phone, address) is not null

    union all

    select
        'renshe__payments' as source,
        row_id || '#self' as record_id,
        'self' as role,
        cast(name as varchar) as name,
        cast(id_number as varchar) as id_number,
        cast(null as varchar) as gender,
        cast(null as varchar) as birth_date,
        cast(null as varchar) as phone,
        cast(null as varchar) as address,
        batch_id,
        source_file,
        source_line,
        delivery_date
    from {{ ref('stg_renshe__payments') }}
    where is_current
      and coalesce(name, id_number) is not null

    union all

    select
        'shenpi__licence' as source,
        row_id || '#legal_rep' as record_id,
        'legal_rep' as role,
        cast(legal_rep as varchar) as name,
        cast(id_number as varchar) as id_number,
        cast(null as varchar) as gender,
        cast(null as varchar) as birth_date,
        cast(null as varchar) as phone,
        cast(null as varchar) as address,
        batch_id,
        source_file,
        source_line,
        delivery_date
    from {{ ref('stg_shenpi__licence') }}
    where is_current
      and coalesce(legal_rep, id_number) is not null

    union all

    select
        'shichang__enterprise' as source,
        row_id || '#legal_rep' as record_id,
        'legal_rep' as role,
        cast(legal_rep as varchar) as name,
        cast(legal_rep_id as varchar) as id_number,
        cast(null as varchar) as gender,
        cast(null as varchar) as birth_date,
        cast(null as varchar) as phone,
        cast(null as varchar) as address,
        batch_id,
        source_file,
        source_line,
        delivery_date
    from {{ ref('stg_shichang__enterprise') }}
    where is_current
      and coalesce(legal_rep, legal_rep_id) is not null

    union all

    select
        'shichang__individual_business' as source,
        row_id || '#operator' as record_id,
        'operator' as role,
        cast(operator as varchar) as name,
        cast(operator_id as varchar) as id_number,
        cast(null as varchar) as gender,
        cast(null as varchar) as birth_date,
        cast(phone as varchar) as phone,
        cast(null as varchar) as address,
        batch_id,
        source_file,
        source_line,
        delivery_date
    from {{ ref('stg_shichang__individual_business') }}
    where is_current
      and coalesce(operator, operator_id, phone) is not null

    union all

    select
        'shuiwu__taxpayer' as source,
        row_id || '#legal_rep' as record_id,
        'legal_rep' as role,
        cast(legal_rep as varchar) as name,
        cast(legal_rep_id as varchar) as id_number,
        cast(null as varchar) as gender,
        cast(null as varchar) as birth_date,
        cast(null as varchar) as phone,
        cast(null as varchar) as address,
        batch_id,
        source_file,
        source_line,
        delivery_date
    from {{ ref('stg_shuiwu__taxpayer') }}
    where is_current
      and coalesce(legal_rep, legal_rep_id) is not null

    union all

    select
        'weijian__birth_certificate' as source,
        row_id || '#self' as record_id,
        'self' as role,
        cast(child_name as varchar) as name,
        cast(null as varchar) as id_number,
        cast(child_gender as varchar) as gender,
        cast(birth_date as varchar) as birth_date,
        cast(null as varchar) as phone,
        cast(address as varchar) as address,
        batch_id,
        source_file,
        source_line,
        delivery_date
    from {{ ref('stg_weijian__birth_certificate') }}
    where is_current
      and coalesce(child_name, child_gender, birth_date, address) is not null

    union all

    select
        'weijian__birth_certificate' as source,
        row_id || '#mother' as record_id,
        'mother' as role,
        cast(mother_name as varchar) as name,
        cast(mother_id_number as varchar) as id_number,
        cast(null as varchar) as gender,
        cast(null as varchar) as birth_date,
        cast(null as varchar) as phone,
        cast(null as varchar) as address,
        batch_id,
        source_file,
        source_line,
        delivery_date
    from {{ ref('stg_weijian__birth_certificate') }}
    where is_current
      and coalesce(mother_name, mother_id_number) is not null

    union all

    select
        'weijian__birth_certificate' as source,
        row_id || '#father' as record_id,
        'father' as role,
        cast(father_name as varchar) as name,
        cast(father_id_number as varchar) as id_number,
        cast(null as varchar) as gender,
        cast(null as varchar) as birth_date,
        cast(null as varchar) as phone,
        cast(null as varchar) as address,
        batch_id,
        source_file,
        source_line,
        delivery_date
    from {{ ref('stg_weijian__birth_certificate') }}
    where is_current
      and coalesce(father_name, father_id_number) is not null

    union all

    select
        'weijian__death_certificate' as source,
        row_id || '#self' as record_id,
        'self' as role,
        cast(name as varchar) as name,
        cast(id_number as varchar) as id_number,
        cast(gender as varchar) as gender,
        cast(birth_date as varchar) as birth_date,
        cast(null as varchar) as phone,
        cast(address as varchar) as address,
        batch_id,
        source_file,
        source_line,
        delivery_date
    from {{ ref('stg_weijian__death_certificate') }}
    where is_current
      and coalesce(name, id_number, gender, birth_date, address) is not null

    union all

    select
        'zhifa__penalty' as source,
        row_id || '#legal_rep' as record_id,
        'legal_rep' as role,
        cast(legal_rep as varchar) as name,
        cast(id_number as varchar) as id_number,
        cast(null as varchar) as gender,
        cast(null as varchar) as birth_date,
        cast(null as varchar) as phone,
        cast(null as varchar) as address,
        batch_id,
        source_file,
        source_line,
        delivery_date
    from {{ ref('stg_zhifa__penalty') }}
    where is_current
      and coalesce(legal_rep, id_number) is not null

    union all

    select
        'zhujian__property_registration' as source,
        row_id || '#owner' as record_id,
        'owner' as role,
        cast(owner_name as varchar) as name,
        cast(owner_id as varchar) as id_number,
        cast(null as varchar) as gender,
        cast(null as varchar) as birth_date,
        cast(phone as varchar) as phone,
        cast(location as varchar) as address,
        batch_id,
        source_file,
        source_line,
        delivery_date
    from {{ ref('stg_zhujian__property_registration') }}
    where is_current
      and coalesce(owner_name, owner_id, location, phone) is not null

    union all

    select
        'zhujian__property_registration' as source,
        row_id || '#co_owner' as record_id,
        'co_owner' as role,
        cast(co_owner_name as varchar) as name,
        cast(co_owner_id as varchar) as id_number,
        cast(null as varchar) as gender,
        cast(null as varchar) as birth_date,
        cast(null as varchar) as phone,
        cast(null as varchar) as address,
        batch_id,
        source_file,
        source_line,
        delivery_date
    from {{ ref('stg_zhujian__property_registration') }}
    where is_current
      and coalesce(co_owner_name, co_owner_id) is not null

)

select * from records
