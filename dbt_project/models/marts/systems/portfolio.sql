-- 系统处置建议 (portfolio): each system of the ledger with one suggested action and its reason.
--   retire:  a zombie candidate (its reasons), or a system the ledger lists as no longer in use;
--   merge:   the secondary system of a shadow pair (into the primary);
--   migrate: in use, fit to move to the government cloud, still local;
--   keep:    everything else (on the cloud, classified, or at an excluded protection level).
-- A recorded disposition overrides the suggestion for retire/merge (keep: the system stays, then
-- migrate applies if it is fit and local); its note is the reason.
with ledger as (

    select * from {{ ref('int_system_ledger') }}

),

zombies as (

    select system_code, reasons from {{ ref('zombie_candidate') }}

),

shadows as (

    -- a system that is the secondary of several pairs merges into the primary with the most overlap
    select
        secondary_system_code as system_code,
        primary_system_code,
        '与 ' || primary_system_code || ' ' || case when primary_system_code = system_code_a then system_name_a else system_name_b end
            || ' 重复（' || {{ join_texts('reasons', "'；'") }} || '），建议并入 ' || primary_system_code || '（' || primary_reason || '）' as reason
    from {{ ref('shadow_candidate') }}
    qualify row_number() over (partition by secondary_system_code order by overlap desc, primary_system_code) = 1

),

dispositions as (

    select * from {{ ref('int_system_dispositions') }}

),

decided as (

    select
        ledger.system_code,
        ledger.system_name,
        ledger.owner,
        ledger.owner_org_id,
        ledger.is_in_use,
        ledger.is_on_cloud,
        ledger.annual_cost,
        dispositions.disposition,
        dispositions.disposition_note,
        dispositions.disposition_by,
        dispositions.disposition_at,
        zombies.system_code is not null as is_zombie_candidate,
        shadows.system_code is not null as is_shadow_secondary,
        ledger.is_in_use and not ledger.is_classified and not ledger.is_level_excluded and not ledger.is_on_cloud as is_migratable,
        case
            when dispositions.disposition in ('retire', 'merge') then dispositions.disposition
            when not ledger.is_in_use then 'retire'
            when zombies.system_code is not null and dispositions.disposition is null then 'retire'
            when shadows.system_code is not null and dispositions.disposition is null then 'merge'
            when ledger.is_in_use and not ledger.is_classified and not ledger.is_level_excluded and not ledger.is_on_cloud
                then 'migrate'
            else 'keep'
        end as action,
        case
            when dispositions.disposition in ('retire', 'merge') then
                '处置意见（' || dispositions.disposition_by || '，' || {{ format_date('dispositions.disposition_at', '%Y-%m-%d') }} || '）：'
                || dispositions.disposition_note
            when not ledger.is_in_use then '台账状态为' || ledger.status || '：核销台账，回收资源'
            when zombies.system_code is not null and dispositions.disposition is null then
                '僵尸系统候选：' || {{ join_texts('zombies.reasons', "'；'") }}
            when shadows.system_code is not null and dispositions.disposition is null then '影子系统候选：' || shadows.reason
            else concat_ws('；',
                case when dispositions.disposition = 'keep' then
                    '处置意见保留（' || dispositions.disposition_by || '，' || {{ format_date('dispositions.disposition_at', '%Y-%m-%d') }} || '）：'
                    || dispositions.disposition_note end,
                case
                    when ledger.is_on_cloud then '已部署在政务云'
                    when ledger.is_classified then '涉密系统，不迁移上云'
                    when ledger.is_level_excluded then '等保' || ledger.protection_level || '，按设置不迁移上云'
                    else '具备迁移条件，仍部署在' || coalesce(ledger.deployment, '本地') || '：建议迁移上政务云'
                end)
        end as reason,
        shadows.primary_system_code as merge_into
    from ledger
    left join zombies using (system_code)
    left join shadows using (system_code)
    left join dispositions using (system_code)

),

final as (

    select
        system_code,
        system_name,
        owner,
        owner_org_id,
        action,
        reason,
        merge_into,
        is_zombie_candidate,
        is_shadow_secondary,
        is_in_use,
        is_on_cloud,
        annual_cost,
        disposition,
        disposition_note,
        disposition_by,
        disposition_at,
        {{ as_of_date() }} as as_of_date
    from decided

)

select * from final
