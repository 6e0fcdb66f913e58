-- Each ledger system's use as the rules see it: the last access and the last business access,
-- what happened in the idle window (the idle_days before the as-of date), and the busiest month
-- of the rhythm window (rhythm_months) by accounts doing business, and whether it makes a yearly
-- rhythm (heavy use by many accounts, holding most of the window's business).
{%- set idle_days = systems_setting('idle_days') %}
{%- set rhythm_months = systems_setting('rhythm_months') %}
with events as (

    select * from {{ ref('int_system_access_events') }}

),

log_span as (

    select min(accessed_at)::date as first_logged, max(accessed_at)::date as last_logged from events

),

per_system as (

    select
        system_code,
        max(accessed_at)::date as last_access,
        max(accessed_at) filter (where is_business)::date as last_business,
        count(*) filter (where accessed_at::date > {{ as_of_date() }} - interval {{ idle_days }} day) as accesses_window,
        count(*) filter (where is_business and accessed_at::date > {{ as_of_date() }} - interval {{ idle_days }} day)
            as business_window,
        count(*) filter (where kind = 'login' and accessed_at::date > {{ as_of_date() }} - interval {{ idle_days }} day)
            as logins_window,
        count(distinct account) filter (where accessed_at::date > {{ as_of_date() }} - interval {{ idle_days }} day)
            as accounts_window
    from events
    group by system_code

),

monthly as (

    select system_code, month, count(*) as business, count(distinct account) as accounts
    from events
    where is_business
      and month >= date_trunc('month', {{ as_of_date() }} - interval {{ rhythm_months }} month)
    group by system_code, month

),

busiest as (

    -- the month of heaviest business use (most accounts, then most accesses) in the rhythm window
    select
        system_code,
        month as busiest_month,
        accounts as busiest_month_accounts,
        business as busiest_month_business,
        business::double / sum(business) over (partition by system_code) as busiest_month_share
    from monthly
    qualify row_number() over (partition by system_code order by accounts desc, business desc, month desc) = 1

),

final as (

    select
        ledger.system_code,
        per_system.last_access,
        per_system.last_business,
        coalesce(per_system.accesses_window, 0) as accesses_window,
        coalesce(per_system.business_window, 0) as business_window,
        coalesce(per_system.logins_window, 0) as logins_window,
        coalesce(per_system.accounts_window, 0) as accounts_window,
        busiest.busiest_month,
        coalesce(busiest.busiest_month_accounts, 0) as busiest_month_accounts,
        coalesce(busiest.busiest_month_business, 0) as busiest_month_business,
        coalesce(busiest.busiest_month_share, 0) as busiest_month_share,
        -- a yearly rhythm: a month of heavy use by many accounts that is a season (most of the
        -- window's business), not one month of steady use that later stopped
        coalesce(busiest.busiest_month_accounts, 0) >= {{ systems_setting('rhythm_min_accounts') }}
            and coalesce(busiest.busiest_month_business, 0) >= {{ systems_setting('rhythm_min_accesses') }}
            and coalesce(busiest.busiest_month_share, 0) >= {{ systems_setting('rhythm_min_peak_share') }} as has_heavy_month,
        log_span.first_logged,
        log_span.last_logged
    from {{ ref('int_system_ledger') }} ledger
    cross join log_span
    left join per_system using (system_code)
    left join busiest using (system_code)

)

select * from final
