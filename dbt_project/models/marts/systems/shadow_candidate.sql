-- 影子系统候选 (shadow candidates): two systems in use whose data resources overlap (Jaccard of the
-- standardised resource names >= shadow_min_overlap) AND at least one more sign: record counts
-- close, names alike, or the same function. Similar names alone never make a shadow; a pair in
-- which one system is already a zombie candidate is left to that list (retiring it ends the
-- duplication). The one that looks primary is the one doing more business, then holding more
-- records, then the older.
{%- set idle_days = systems_setting('idle_days') %}
with systems as (

    select ledger.*, usage.business_window
    from {{ ref('int_system_ledger') }} ledger
    join {{ ref('int_system_usage') }} usage using (system_code)
    where ledger.is_in_use
      and ledger.system_code not in (select system_code from {{ ref('zombie_candidate') }})

),

shared as (

    -- pairs holding at least one resource in common (a self-join on every pair would be n^2)
    select distinct a.system_code as code_a, b.system_code as code_b
    from (select system_code, {{ unnest_list('resource_keys') }} as k from systems) a
    join (select system_code, {{ unnest_list('resource_keys') }} as k from systems) b
      on a.k = b.k and a.system_code < b.system_code

),

pairs as (

    select
        a.system_code as system_code_a,
        b.system_code as system_code_b,
        a.system_name as system_name_a,
        b.system_name as system_name_b,
        a.owner as owner_a,
        b.owner as owner_b,
        {{ systems_jaccard('a.resource_keys', 'b.resource_keys') }} as overlap,
        {{ sorted_common_items('a.data_resources', 'b.data_resources') }} as shared_resources,
        case when greatest(a.records, b.records) > 0
             then least(a.records, b.records)::double / greatest(a.records, b.records) end as records_ratio,
        {{ jaro_winkler('a.core_name', 'b.core_name') }} as name_similarity,
        a.system_function is not null and a.system_function = b.system_function as same_function,
        case when a.system_function = b.system_function then a.system_function end as shared_function,
        a.records as records_a,
        b.records as records_b,
        a.business_window as business_a,
        b.business_window as business_b,
        a.launched as launched_a,
        b.launched as launched_b,
        a.annual_cost as annual_cost_a,
        b.annual_cost as annual_cost_b
    from shared
    join systems a on a.system_code = shared.code_a
    join systems b on b.system_code = shared.code_b

),

signed as (

    select
        *,
        coalesce(records_ratio >= {{ systems_setting('shadow_records_ratio') }}, false) as records_close,
        coalesce(name_similarity >= {{ systems_setting('shadow_name_similarity') }}, false) as names_alike
    from pairs
    where overlap >= {{ systems_setting('shadow_min_overlap') }}

),

candidates as (

    select
        *,
        {%- set reason_codes %}
            'data_overlap',
            case when records_close then 'records_close' end,
            case when names_alike then 'names_alike' end,
            case when same_function then 'same_function' end
        {%- endset %}
        {{ present_items(reason_codes) }} as reason_codes,
        {%- set reasons %}
            '数据资源重合 ' || round(100 * overlap)::integer || '%（' || {{ join_texts('shared_resources', "'、'") }} || '）',
            case when records_close then '数据量接近：' || records_a || ' 条 / ' || records_b || ' 条' end,
            case when names_alike then '名称相近：相似度 ' || {{ round_double('name_similarity', 2) }} end,
            case when same_function then '功能相同：均为' || shared_function end
        {%- endset %}
        {{ present_items(reasons) }} as reasons,
        -- which looks primary: more business in the idle window, then more records, then older
        case
            when business_a <> business_b then business_a > business_b
            when coalesce(records_a, -1) <> coalesce(records_b, -1) then coalesce(records_a, -1) > coalesce(records_b, -1)
            when coalesce(launched_a, date '9999-12-31') <> coalesce(launched_b, date '9999-12-31')
                then coalesce(launched_a, date '9999-12-31') < coalesce(launched_b, date '9999-12-31')
            else true
        end as a_is_primary
    from signed
    where records_close or names_alike or same_function

),

dispositions as (

    select * from {{ ref('int_system_dispositions') }}

),

final as (

    select
        candidates.system_code_a,
        candidates.system_code_b,
        candidates.system_name_a,
        candidates.system_name_b,
        candidates.owner_a,
        candidates.owner_b,
        candidates.overlap,
        candidates.shared_resources,
        candidates.records_ratio,
        candidates.name_similarity,
        candidates.same_function,
        candidates.reason_codes,
        candidates.reasons,
        case when a_is_primary then system_code_a else system_code_b end as primary_system_code,
        case when a_is_primary then system_code_b else system_code_a end as secondary_system_code,
        case
            when business_a <> business_b then
                '近{{ idle_days }}天业务访问更多（' || greatest(business_a, business_b) || ' 次对 ' || least(business_a, business_b) || ' 次）'
            when coalesce(records_a, -1) <> coalesce(records_b, -1) then '数据量更大'
            when coalesce(launched_a, date '9999-12-31') <> coalesce(launched_b, date '9999-12-31') then '上线更早'
            else '系统编号在前'
        end as primary_reason,
        case when a_is_primary then annual_cost_b else annual_cost_a end as secondary_annual_cost,
        -- the pair's review: the decision on the system suggested to merge away
        coalesce(dispositions.disposition, 'new') as review_status,
        dispositions.disposition is null as is_new,
        dispositions.disposition_note,
        dispositions.disposition_by,
        dispositions.disposition_at,
        {{ as_of_date() }} as as_of_date
    from candidates
    left join dispositions
      on dispositions.system_code = case when a_is_primary then system_code_b else system_code_a end

)

select * from final
