-- Industry names as departments write them mapped to their GB/T 4754 section (门类): one row per
-- distinct section or division name of the reference seed.
with classification as (

    select * from {{ ref('industry_classification') }}

)

select
    industry_name,
    min(section_code) as section_code,
    min(section_name) as section_name
from classification
group by industry_name
