-- 系统访问统计 (system activity): per system and month, the logged accesses by kind, the distinct
-- accounts (masked: an account names a person), and the last access. Systems in the logs but not
-- on the ledger are kept (an unlisted system is itself worth a look) and marked.
with events as (

    select * from {{ ref('int_system_access_events') }}

),

ledger as (

    select system_code from {{ ref('int_system_ledger') }}

),

monthly as (

    select
        system_code,
        month,
        count(*) filter (where kind = 'login') as logins,
        count(*) filter (where kind = 'query') as queries,
        count(*) filter (where kind = 'export') as exports,
        count(*) filter (where kind = 'change') as changes,
        count(*) filter (where kind not in ('login', 'query', 'export', 'change')) as other_accesses,
        count(*) filter (where is_business) as business_accesses,
        count(*) filter (where is_failed) as failed_accesses,
        count(*) as accesses,
        count(distinct account) as distinct_accounts,
        max(accessed_at) as last_access
    from events
    group by system_code, month

),

accounts as (

    -- one masked entry per distinct account (masking may make two accounts look alike)
    select system_code, month, {{ sorted_list_agg("std_mask(account, 'personal', null)") }} as accounts_masked
    from (select distinct system_code, month, account from events where account is not null) t
    group by system_code, month

),

final as (

    select
        monthly.system_code || ':' || {{ format_date('monthly.month', '%Y-%m') }} as activity_id,
        monthly.system_code,
        monthly.month,
        monthly.logins,
        monthly.queries,
        monthly.exports,
        monthly.changes,
        monthly.other_accesses,
        monthly.business_accesses,
        monthly.failed_accesses,
        monthly.accesses,
        monthly.distinct_accounts,
        coalesce(accounts.accounts_masked, {{ empty_text_list() }}) as accounts_masked,
        monthly.last_access,
        ledger.system_code is not null as is_in_ledger
    from monthly
    left join accounts using (system_code, month)
    left join ledger using (system_code)

)

select * from final
