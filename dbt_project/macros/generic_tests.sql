{#- Generic data tests the libraries use, written here because dbt hub packages (dbt_utils) are
    unreachable. Each returns the failing rows; a test passes when it returns none. -#}

{#- Every row satisfies a SQL expression (dbt_utils.expression_is_true): rows where it is false
    fail, rows where it is null (a null column) pass. As a column test the expression may omit
    the column: `expression: ">= 0"` is applied to the column. -#}
{% test expression_is_true(model, expression, column_name=none) %}
    select *
    from {{ model }}
    where not ({{ column_name ~ ' ' if column_name else '' }}{{ expression }})
{% endtest %}


{#- No two rows share the same values of the given columns (a composite key). -#}
{% test unique_combination_of_columns(model, combination_of_columns) %}
    select {{ combination_of_columns | join(', ') }}, count(*) as n_rows
    from {{ model }}
    group by {{ combination_of_columns | join(', ') }}
    having count(*) > 1
{% endtest %}


{#- The table has at least one row (every library table must be non-empty after a run). -#}
{% test not_empty(model) %}
    select 'empty' as failure
    where not exists (select 1 from {{ model }})
{% endtest %}


{#- Validity periods of one entity do not overlap and at most one is open (valid_to null). -#}
{% test valid_periods(model, entity_columns, valid_from='valid_from', valid_to='valid_to') %}
    with periods as (
        select
            {{ entity_columns | join(', ') }},
            {{ valid_from }} as period_from,
            {{ valid_to }} as period_to,
            lead({{ valid_from }}) over (
                partition by {{ entity_columns | join(', ') }} order by {{ valid_from }}
            ) as next_from
        from {{ model }}
    )
    select *
    from periods
    where (period_to is not null and period_to <= period_from)
       or (next_from is not null and (period_to is null or period_to > next_from))
{% endtest %}
