{{ config(severity='warn') }}
-- Invariant: no vital event of a person (other than the birth itself) is dated before the
-- person's golden birth date, and none is after the as-of date. A warning: a department's
-- mistyped date can break it, and the event still belongs in the library.
select event.event_id, event.event_type, event.event_date, person.birth_date
from {{ ref('vital_event') }} as event
inner join {{ ref('person') }} as person using (person_id)
where (event.event_type <> '出生' and event.event_date < person.birth_date)
   or event.event_date > {{ as_of_date() }}
