-- 僵尸系统候选 (zombie candidates, 国办发〔2017〕39号): a system listed as in use that
--   idle:        has had no business access (query, export, change) for idle_days or more;
--   login_only:  in that window was only opened by very few accounts (logins, an administrator
--                checking it still answers);
--   replaced:    has a newer system of the same owner holding the same data, doing the work
--                the old one no longer does.
-- Never a zombie: a system launched within the idle window or not yet live (launch date after the
-- as-of date, or a status the setting not_live_status_pattern names), and a system with a yearly
-- rhythm (a month of heavy use by many accounts within the rhythm window). Every row
-- carries its reasons; a system kept by a disposition stays listed as kept, not as new.
{%- set idle_days = systems_setting('idle_days') %}
with ledger as (

    select * from {{ ref('int_system_ledger') }}

),

usage as (

    select * from {{ ref('int_system_usage') }}

),

systems as (

    select ledger.*, {{ star_except('usage', ['system_code']) }}
    from ledger
    join usage using (system_code)

),

eligible as (

    -- listed as in use and live (not under construction), launched before the idle window,
    -- without a yearly rhythm
    select *
    from systems
    where is_in_use
      and not is_not_live
      and (launched is null or launched <= {{ as_of_date() }} - interval {{ idle_days }} day)
      and not has_heavy_month

),

replacements as (

    -- the newest later system of the same owner holding the same data that is doing the work
    select
        old.system_code,
        new.system_code as replaced_by,
        new.system_name as replaced_by_name,
        new.launched as replaced_by_launched,
        new.business_window as replaced_by_business,
        {{ systems_jaccard('old.resource_keys', 'new.resource_keys') }} as replaced_overlap
    from eligible old
    join systems new
      on new.owner_key = old.owner_key
     and new.system_code <> old.system_code
     and new.is_in_use
     and new.launched > coalesce(old.launched, date '1900-01-01')
     and new.business_window > 0
     and old.business_window <= {{ systems_setting('replaced_max_activity_share') }} * new.business_window
    where {{ systems_jaccard('old.resource_keys', 'new.resource_keys') }} >= {{ systems_setting('replaced_min_overlap') }}
    qualify row_number() over (partition by old.system_code order by new.launched desc, new.system_code) = 1

),

flagged as (

    select
        eligible.*,
        replacements.replaced_by,
        replacements.replaced_by_name,
        replacements.replaced_by_launched,
        replacements.replaced_by_business,
        replacements.replaced_overlap,
        -- idle only where the delivered logs span the whole window: logs begun last month say
        -- nothing about six months
        (last_business is null or last_business <= {{ as_of_date() }} - interval {{ idle_days }} day)
            and coalesce(first_logged <= {{ as_of_date() }} - interval {{ idle_days }} day, false) as is_idle,
        accesses_window > 0
            and logins_window >= {{ systems_setting('login_only_share') }} * accesses_window
            and accounts_window <= {{ systems_setting('login_only_max_accounts') }} as is_login_only,
        replacements.replaced_by is not null as is_replaced
    from eligible
    left join replacements using (system_code)

),

candidates as (

    select
        *,
        {%- set reason_codes %}
            case when is_idle then 'idle' end,
            case when is_login_only then 'login_only' end,
            case when is_replaced then 'replaced' end
        {%- endset %}
        {{ present_items(reason_codes) }} as reason_codes,
        {%- set reasons %}
            case when is_idle and last_business is not null then
                '连续' || {{ days_between('last_business', as_of_date()) }} || '天无业务访问（查询、导出、修改）：最后一次业务访问 '
                || {{ format_date('last_business', '%Y-%m-%d') }} || '；闲置阈值 {{ idle_days }} 天'
            when is_idle then
                '访问日志中没有任何业务访问（查询、导出、修改），日志起于 ' || {{ format_date('first_logged', '%Y-%m-%d') }}
                || '；闲置阈值 {{ idle_days }} 天' end,
            case when is_login_only then
                '近{{ idle_days }}天仅有登录：' || accesses_window || ' 次访问中 ' || logins_window || ' 次为登录，来自 '
                || accounts_window || ' 个账号' end,
            case when is_replaced then
                '已被同一建设单位的新系统 ' || replaced_by || ' ' || replaced_by_name || '（'
                || coalesce({{ format_date('replaced_by_launched', '%Y-%m-%d') }}, '上线日期不详') || ' 上线）替代：数据资源重合 '
                || round(100 * replaced_overlap) :: integer || '%，近{{ idle_days }}天业务访问 ' || business_window
                || ' 次，新系统 ' || replaced_by_business || ' 次' end
        {%- endset %}
        {{ present_items(reasons) }} as reasons
    from flagged
    where is_idle or is_login_only or is_replaced

),

dispositions as (

    select * from {{ ref('int_system_dispositions') }}

),

final as (

    select
        candidates.system_code,
        candidates.system_name,
        candidates.owner,
        candidates.owner_org_id,
        candidates.status,
        candidates.launched,
        candidates.reason_codes,
        candidates.reasons,
        candidates.last_business as last_business_activity,
        candidates.last_access,
        case when candidates.last_business is not null
             then {{ days_between('candidates.last_business', as_of_date()) }} end as days_since_business,
        candidates.accesses_window,
        candidates.business_window,
        candidates.logins_window,
        candidates.accounts_window,
        candidates.replaced_by,
        candidates.annual_cost,
        candidates.data_resources,
        coalesce(dispositions.disposition, 'new') as review_status,
        dispositions.disposition is null as is_new,
        dispositions.disposition_note,
        dispositions.disposition_by,
        dispositions.disposition_at,
        {{ as_of_date() }} as as_of_date
    from candidates
    left join dispositions using (system_code)

)

select * from final
