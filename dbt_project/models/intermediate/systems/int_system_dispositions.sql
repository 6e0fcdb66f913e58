-- The latest disposition (keep / retire / merge) recorded for each system with
-- `govdata systems disposition` (dq.system_dispositions, append-only): a later decision
-- overrides an earlier one; a candidate kept with a reason is shown as kept, not as new.
select
    system_code,
    disposition,
    note as disposition_note,
    decided_by as disposition_by,
    decided_at as disposition_at
from {{ source('dq', 'system_dispositions') }}
qualify row_number() over (partition by system_code order by decided_at desc, disposition_id desc) = 1
