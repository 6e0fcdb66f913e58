-- 开放数据·行政处罚信息（公示期内）: administrative penalties on organisations and individual
-- businesses (never on natural persons, 行政相对人类别 01) while they are public: within their
-- publication period on the as-of date, and never longer than 3 years after the decision
-- (发改办财金〔2019〕527号: at least 6 months, at most 3 years). Grain: one row per decision.
select
    decision_no::{{ varchar() }} as decision_no,
    party_name::{{ varchar() }} as party_name,
    party_category::{{ varchar() }} as party_category,
    uscc::{{ varchar() }} as uscc,
    legal_rep::{{ varchar() }} as legal_rep,
    violation_type::{{ varchar() }} as violation_type,
    facts::{{ varchar() }} as facts,
    basis::{{ varchar() }} as basis,
    penalty_category::{{ varchar() }} as penalty_category,
    content::{{ varchar() }} as content,
    fine_wan_yuan::decimal(20, 4) as fine_wan_yuan,
    confiscated_wan_yuan::decimal(20, 4) as confiscated_wan_yuan,
    decision_date::date as decision_date,
    publish_until::date as publish_until,
    authority::{{ varchar() }} as authority,
    authority_uscc::{{ varchar() }} as authority_uscc,
    data_source::{{ varchar() }} as data_source
from {{ ref('administrative_penalty') }}
where coalesce(party_category, '') <> '01'
  and is_published
  and decision_date <= {{ as_of_date() }}
  and decision_date > {{ as_of_date() }} - interval 3 year
order by decision_date, decision_no
