{{ config(materialized='table') }}
-- Monthly meter readings of the power and water companies, one per account and month (a month
-- read again keeps its latest delivery), in the twelve whole months before the as-of date's month.
-- Grain: one row per utility, account and month.
with power as (

    select 'gongdian__account' as account_source, 'gongdian__consumption' as source, account_no, month,
           cast(kwh as double) as use, row_id, source_file, source_line, delivery_date
    from {{ ref('stg_gongdian__consumption') }}

),

water as (

    select 'gongshui__account', 'gongshui__consumption', account_no, month,
           cast(cubic_metres as double), row_id, source_file, source_line, delivery_date
    from {{ ref('stg_gongshui__consumption') }}

),

parsed as (

    select
        *,
        {{ try_year_month("left(" ~ re_replace_all('month', "'[^0-9]'", "''") ~ ", 6)") }} as month_start
    from (select * from power union all select * from water)

),

final as (

    select account_source, source, account_no, month_start, use, row_id, source_file, source_line
    from parsed
    where month_start >= date_trunc('month', {{ as_of_date() }}) - interval 12 month
        and month_start < date_trunc('month', {{ as_of_date() }})
    qualify row_number() over (
        partition by account_source, account_no, month_start order by delivery_date desc, row_id desc
    ) = 1

)

select * from final
