-- Invariant: a golden person whose golden ID number passes GB 11643 has the sex and birth date
-- that number encodes (survivorship lets a valid ID overrule a contradicting source).
select person_id, id_number, gender, birth_date
from {{ ref('person') }}
where is_id_number_valid
  and (gender is distinct from std_id_gender(id_number)
       or birth_date is distinct from std_id_birth_date(id_number))
