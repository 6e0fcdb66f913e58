-- Invariant: the open history period of a registered person shows the household and register
-- status of the current register snapshot that the golden person shows.
select person.person_id, person.household_no, history.household_no as history_household_no,
       person.register_status, history.register_status as history_register_status
from {{ ref('person') }} as person
inner join {{ ref('person_history') }} as history
    on history.person_id = person.person_id and history.is_current
where person.household_no is not null
  and (history.household_no is distinct from person.household_no
       or history.register_status is distinct from person.register_status)
