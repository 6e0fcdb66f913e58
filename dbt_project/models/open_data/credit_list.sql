-- 开放数据·守信红名单和失信黑名单: organisations on a red or black list on the as-of date (lists
-- of natural persons are not opened). Grain: one row per listing.
select
    list_type::{{ varchar() }} as list_type,
    list_name::{{ varchar() }} as list_name,
    subject_name::{{ varchar() }} as subject_name,
    uscc::{{ varchar() }} as uscc,
    legal_rep::{{ varchar() }} as legal_rep,
    listed_date::date as listed_date,
    reason::{{ varchar() }} as reason,
    authority::{{ varchar() }} as authority
from {{ ref('credit_list_entry') }}
where is_listed and (org_id is not null or uscc is not null)
order by list_type, listed_date, uscc, subject_name
