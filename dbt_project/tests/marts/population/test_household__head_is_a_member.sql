-- Invariant: the head of every household is a golden person registered in that household.
select household.household_no, household.head_person_id, person.household_no as person_household_no
from {{ ref('household') }} as household
left join {{ ref('person') }} as person on person.person_id = household.head_person_id
where person.household_no is distinct from household.household_no
