-- 开放数据·市场主体登记信息: enterprises and individual businesses as the registration
-- publicity rules publish them (name, credit code, type, date, status, seat, industry and the
-- legal representative or operator by name; no ID numbers, phones or internal ids).
-- Grain: one row per resolved organisation of kind 企业 or 个体工商户.
select
    name::{{ varchar() }} as name,
    uscc::{{ varchar() }} as uscc,
    org_kind::{{ varchar() }} as org_kind,
    org_type::{{ varchar() }} as org_type,
    legal_rep::{{ varchar() }} as legal_rep,
    established::date as established,
    registration_status::{{ varchar() }} as registration_status,
    deregistered_date::date as deregistered_date,
    registered_capital::decimal(20, 2) as registered_capital,
    address::{{ varchar() }} as address,
    township_code::{{ varchar() }} as township_code,
    industry::{{ varchar() }} as industry
from {{ ref('organization') }}
where org_kind in ('企业', '个体工商户') and name is not null
order by uscc nulls last, name
