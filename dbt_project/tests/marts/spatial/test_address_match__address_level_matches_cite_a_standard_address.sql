-- Invariant: exact, tail and fuzzy matches name a standard address and carry its coordinates;
-- coarser levels name none; an exact match scores 1.
select entity_kind, entity_id, match_level, match_score, address_code
from {{ ref('address_match') }}
where (match_level in ('exact', 'tail', 'fuzzy') and (address_code is null or lon is null))
   or (match_level not in ('exact', 'tail', 'fuzzy') and address_code is not null)
   or (match_level = 'exact' and match_score <> 1)
