-- 开放数据·行政许可信息（法人和非法人组织）: the 双公示 licences held by organisations and
-- individual businesses (never those of natural persons, 行政相对人类别 01), in the 双公示 fields.
-- Grain: one row per licence.
select
    licence_no::{{ varchar() }} as licence_no,
    decision_no::{{ varchar() }} as decision_no,
    decision_doc::{{ varchar() }} as decision_doc,
    party_name::{{ varchar() }} as party_name,
    party_category::{{ varchar() }} as party_category,
    uscc::{{ varchar() }} as uscc,
    legal_rep::{{ varchar() }} as legal_rep,
    licence_category::{{ varchar() }} as licence_category,
    certificate_name::{{ varchar() }} as certificate_name,
    content::{{ varchar() }} as content,
    decision_date::date as decision_date,
    valid_from::date as valid_from,
    valid_to::date as valid_to,
    authority::{{ varchar() }} as authority,
    authority_uscc::{{ varchar() }} as authority_uscc,
    status::{{ varchar() }} as status,
    data_source::{{ varchar() }} as data_source
from {{ ref('administrative_licence') }}
where coalesce(party_category, '') <> '01'
order by decision_date, licence_no, decision_no
