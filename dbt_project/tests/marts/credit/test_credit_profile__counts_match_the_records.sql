-- Invariant: an organisation's credit profile counts exactly the licences, penalties and
-- current listings the credit library holds for it.
with licences as (
    select org_id, count(*) as n from {{ ref('administrative_licence') }} group by org_id
),
penalties as (
    select org_id, count(*) as n from {{ ref('administrative_penalty') }} group by org_id
),
black as (
    select org_id, count(*) as n from {{ ref('credit_list_entry') }}
    where list_type = '黑名单' and is_listed group by org_id
)
select profile.org_id
from {{ ref('credit_profile') }} as profile
left join licences using (org_id)
left join penalties using (org_id)
left join black using (org_id)
where profile.licence_count <> coalesce(licences.n, 0)
   or profile.penalty_count <> coalesce(penalties.n, 0)
   or profile.black_listings <> coalesce(black.n, 0)
   or (profile.black_listings > 0 and profile.credit_class <> '失信')
