-- 开放数据·医疗机构: the county's medical institutions (health's register, resolved in the
-- legal-entity library): name, credit code, type, seat and the person in charge by name.
-- Grain: one row per resolved organisation of kind 医疗机构.
select
    name::{{ varchar() }} as name,
    uscc::{{ varchar() }} as uscc,
    org_type::{{ varchar() }} as org_type,
    legal_rep::{{ varchar() }} as legal_rep,
    address::{{ varchar() }} as address,
    township_code::{{ varchar() }} as township_code,
    established::date as established,
    registration_status::{{ varchar() }} as registration_status
from {{ ref('organization') }}
where org_kind = '医疗机构' and name is not null
order by uscc nulls last, name
