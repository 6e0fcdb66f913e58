-- 开放数据·中小学校: the county's primary and secondary schools by school, never by student:
-- school code, name and how many pupils its current roll holds (education's latest roll).
-- Grain: one row per school code.
select
    school_code::{{ varchar() }} as school_code,
    max(school)::{{ varchar() }} as school_name,
    count(*)::bigint as students
from {{ ref('stg_jiaoyu__student') }}
where is_current and school_code is not null
group by school_code
order by school_code
