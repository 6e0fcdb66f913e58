-- Invariant: a representative linked by name (no ID number in the source) is a living golden
-- person of exactly that name.
select organization.org_id, organization.legal_rep, person.name, person.is_alive
from {{ ref('organization') }} as organization
inner join {{ ref('person') }} as person on person.person_id = organization.legal_rep_person_id
where organization.legal_rep_link_method in ('name', 'name_township')
  and (person.name is distinct from organization.legal_rep or not person.is_alive)
