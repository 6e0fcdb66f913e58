-- Every logged access of the delivered access logs (系统访问日志) up to the as-of date, once (a
-- log id delivered again counts once), with its kind: login, logout, query, export, change or
-- other. Business use is a successful access that is not a login or logout: a query, export or
-- change, and also an action of no known kind (a log's own action codes must not make a busy
-- system look idle).
with logs as (

    select *
    from {{ ref('stg_dashuju__access_log') }}
    where system_code is not null
      and accessed_at is not null
      and cast(accessed_at as date) <= {{ as_of_date() }}
    qualify row_number() over (
        partition by system_code, coalesce(log_id, row_id) order by delivery_date desc, row_id desc) = 1

),

final as (

    select
        system_code,
        cast(accessed_at as timestamp) as accessed_at,
        date_trunc('month', cast(accessed_at as date))::date as month,
        account,
        {{ systems_action_kind('action') }} as kind,
        {{ systems_failed('result', 'action') }} as is_failed,
        {{ systems_action_kind('action') }} not in ('login', 'logout') and not {{ systems_failed('result', 'action') }} as is_business
    from logs

)

select * from final
