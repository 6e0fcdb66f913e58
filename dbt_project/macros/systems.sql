{#- Helpers of the information systems library (models/intermediate/systems, marts/systems).
    Thresholds come from the settings (pipelines/defaults.toml [systems], each with its reason),
    passed by pipelines/dbt.py as var `systems`; nothing here restates them. -#}

{#- One threshold of the settings' [systems] table (None in a bare `dbt parse`, which runs no SQL). -#}
{% macro systems_setting(name) -%}
    {%- set values = var('systems', {}) or {} -%}
    {{ return(values.get(name)) }}
{%- endmacro %}


{#- A data resource name reduced to what identifies it: half-width, no whitespace, no bracketed
    remark (（双公示）), without the trailing words 信息/数据/资源/库/表 that ledgers add or drop at
    will ("户籍人口信息" and "户籍人口数据" are one resource). -#}
{% macro systems_resource_key(expr) -%}
    {%- set compact -%}{{ re_replace_all(halfwidth(expr), "'[\\s\\x{3000}]+'", "''") }}{%- endset -%}
    nullif(regexp_replace(
        {{ re_replace_all(compact, "'[（(][^）)]*[）)]'", "''") }},
        '(信息|数据|资源|数据库|资料|库|表|清单)+$', ''), '')
{%- endmacro %}


{#- The resource names the warehouse already knows, as `(resource_key, standard_name)` rows: the
    contracts' table names (sources' meta.table_zh) and the marts' catalog resource names. A
    ledger's resource whose key equals one of these takes that name. -#}
{% macro systems_known_resources() -%}
    {%- set names = [] -%}
    {%- if execute -%}
        {%- for node in graph.sources.values() -%}
            {%- set zh = (node.meta or {}).get('table_zh') -%}
            {%- if zh and zh not in names -%}{%- do names.append(zh) -%}{%- endif -%}
        {%- endfor -%}
        {%- for node in graph.nodes.values() -%}
            {%- if node.resource_type == 'model' -%}
                {%- set catalog = ((node.config.meta or {}).get('catalog') or (node.meta or {}).get('catalog') or {}) -%}
                {%- set zh = catalog.get('resource_name') -%}
                {%- if zh and zh not in names -%}{%- do names.append(zh) -%}{%- endif -%}
            {%- endif -%}
        {%- endfor -%}
    {%- endif -%}
    select resource_key, min(standard_name) as standard_name
    from (
        {%- if names %}
        select {{ systems_resource_key('name') }} as resource_key, name as standard_name
        from (values {% for n in names %}({{ sql_literal(n) }}){{ ", " if not loop.last }}{% endfor %}) t(name)
        {%- else %}
        select cast(null as {{ varchar() }}) as resource_key, cast(null as {{ varchar() }}) as standard_name where false
        {%- endif %}
    ) known
    where resource_key is not null
    group by resource_key
{%- endmacro %}


{#- What an access log's action is: login, logout, query, export, change, or other. Business use
    is any successful access but a login or logout (a login alone shows only that the system
    still answers; an action of no known kind is counted as use rather than as idleness).
    The words are the ones ledgers and web systems' audit logs use, Chinese and English. -#}
{% macro systems_action_kind(expr) -%}
    case
        when {{ expr }} is null then 'other'
        when {{ re_matches('lower(' ~ expr ~ ')', "'登出|注销登录|退出|logout|logoff|sign.?out'") }} then 'logout'
        when {{ re_matches('lower(' ~ expr ~ ')', "'登录|登陆|认证|login|logon|sign.?in|auth'") }} then 'login'
        when {{ re_matches('lower(' ~ expr ~ ')', "'导出|下载|打印|export|download|print'") }} then 'export'
        when {{ re_matches('lower(' ~ expr ~ ')', "'修改|新增|添加|删除|录入|更新|编辑|保存|提交|审核|审批|办理|上报|导入|insert|update|delete|create|edit|save|submit|import|write'") }}
            then 'change'
        when {{ re_matches('lower(' ~ expr ~ ')', "'查询|查看|浏览|检索|统计|访问|query|select|search|view|read|get|browse'") }} then 'query'
        else 'other'
    end
{%- endmacro %}


{#- A logged access that failed (denied, error, an HTTP 4xx/5xx status), by its result or, when
    the log has no result, by its action ("登录失败"): someone tried, no work was done. -#}
{% macro systems_failed(result, action) -%}
    coalesce({{ re_matches('lower(' ~ result ~ ')', "'失败|错误|异常|拒绝|超时|fail|error|denied|refused|timeout|^\\s*[45][0-9][0-9]\\s*$'") }}, false)
        or coalesce({{ re_matches('lower(' ~ action ~ ')', "'失败|fail|denied'") }}, false)
{%- endmacro %}


{#- The grade of a protection level as delivered (三级, 第三级, 等保三级, 3级, 3) as a number 1-5,
    null when it names none. -#}
{% macro systems_protection_grade(expr) -%}
    coalesce(
        {%- set chinese_grade -%}nullif(regexp_extract({{ expr }}, '([一二三四五])\s*级', 1), ''){%- endset %}
        {%- set chinese_alone -%}nullif(regexp_extract({{ expr }}, '^\s*([一二三四五])\s*$', 1), ''){%- endset %}
        {{ text_list_position(['一', '二', '三', '四', '五'], chinese_grade) }},
        try_cast(nullif(regexp_extract({{ expr }}, '([1-5])\s*级', 1), '') as integer),
        {{ text_list_position(['一', '二', '三', '四', '五'], chinese_alone) }},
        try_cast(nullif(regexp_extract({{ expr }}, '^\s*([1-5])\s*$', 1), '') as integer)
    )
{%- endmacro %}


{#- A system name without the county's prefix and the generic words of the settings: what is
    left says what the system is about (人口基础 in 茌平区人口基础信息库). -#}
{% macro systems_core_name(expr) -%}
    {%- set words = systems_setting('generic_name_words') or [] -%}
    {%- set cleaned = re_replace_all(halfwidth(expr), "'[\\s\\x{3000}（）()]+'", "''") -%}
    {%- set unprefixed = "regexp_replace(" ~ cleaned ~ ", '" ~ address_prefix_pattern() ~ "', '')" -%}
    {%- if words -%}
        coalesce(nullif({{ re_replace_all(unprefixed, "'" ~ (words | join("|")) ~ "'", "''") }}, ''), {{ unprefixed }})
    {%- else -%}
        {{ unprefixed }}
    {%- endif -%}
{%- endmacro %}


{#- The function a system name states: the last of the settings' function words it holds (the head
    of a Chinese noun phrase comes last: 核查 in 低保对象核查系统), null when it holds none. -#}
{% macro systems_function(expr) -%}
    {%- set terms = systems_setting('function_terms') or [] -%}
    {%- if terms -%}
        {{ last_regex_match(expr, "'" ~ (terms | join("|")) ~ "'") }}
    {%- else -%}
        cast(null as {{ varchar() }})
    {%- endif -%}
{%- endmacro %}


{#- Jaccard similarity of two lists of resource keys (0 when either is empty). -#}
{% macro systems_jaccard(a, b) -%}
    {{- adapter.dispatch('systems_jaccard')(a, b) -}}
{%- endmacro %}

{% macro default__systems_jaccard(a, b) -%}
    case when len({{ a }}) = 0 or len({{ b }}) = 0 then 0.0
         else len(list_intersect({{ a }}, {{ b }}))::double / len(list_distinct(list_concat({{ a }}, {{ b }})))
    end
{%- endmacro %}

{% macro spark__systems_jaccard(a, b) -%}
    case when size({{ a }}) = 0 or size({{ b }}) = 0 then 0.0D
         else cast(size(array_intersect({{ a }}, {{ b }})) as double) / size(array_distinct(concat({{ a }}, {{ b }})))
    end
{%- endmacro %}
