{#- Set-based SQL versions of checks of pipelines.standards, for values staging has ALREADY
    normalised (std_id_number, std_phone). The libraries apply them to millions of records, where
    the Python UDFs cost a minute at county scale; the rules are those of the standards modules
    (named below) and pass the same fixture: the dbt unit test
    `resolved_records_check_ids_and_phones_like_the_standards` feeds it the fixture's normalised
    values, and tests/libraries/test_unit_test_cases.py checks that its expectations are the
    fixture's. -#}

{#- GB 11643 check character weights 2^(18-i) mod 11 for positions 1..17 (id_number.py). -#}
{% macro _id_weights() -%}
    {{ return([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]) }}
{%- endmacro %}


{#- The birth date positions 7-14 of an 18-character number encode, null when not a real date
    from 1800 on (id_number.id_birth_date / MIN_BIRTH_YEAR). -#}
{% macro sql_id_birth_date(expr) -%}
    case when {{ re_full_match(expr, "'[0-9]{17}[0-9X]'") }}
              and {{ try_parse_yyyymmdd('substr(' ~ expr ~ ', 7, 8)') }} >= timestamp '1800-01-01'
        then cast({{ try_parse_yyyymmdd('substr(' ~ expr ~ ', 7, 8)') }} as date)
    end
{%- endmacro %}


{#- GB/T 2261.1 sex the sequence encodes: odd (position 17) 1 male, even 2 female. -#}
{% macro sql_id_gender(expr) -%}
    case when {{ re_full_match(expr, "'[0-9]{17}[0-9X]'") }}
        then case when try_cast(substr({{ expr }}, 17, 1) as integer) % 2 = 1 then '1' else '2' end
    end
{%- endmacro %}


{#- id_number.is_valid_id_number on a normalised number: 18 characters, ISO 7064 MOD 11-2 check
    character, a real birth date from 1800 on and not after the as-of date. The 17 digits are read
    as one number and taken apart arithmetically (one cast instead of seventeen substrings).
    birth_date: the number's sql_id_birth_date when the caller has it already. -#}
{% macro sql_id_number_valid(expr, birth_date=none) -%}
    coalesce(
        {{ re_full_match(expr, "'[0-9]{17}[0-9X]'") }}
        and substr('10X98765432', 1 + ((
            {%- for w in _id_weights() %}
            {{ '+ ' if not loop.first }}{{ w }} * ({{ int_div('try_cast(substr(' ~ expr ~ ', 1, 17) as bigint)', 10 ** (17 - loop.index)) }} % 10)
            {%- endfor %}
        ) % 11), 1) = substr({{ expr }}, 18, 1)
        and {{ birth_date if birth_date is not none else sql_id_birth_date(expr) }} <= {{ as_of_date() }},
        false
    )
{%- endmacro %}


{#- phone.is_valid_phone on a normalised number: a mobile, a landline with its area code, or a
    400/800 service number (MOBILE_PATTERN, LANDLINE_PATTERN, SERVICE_PATTERN of phone.py). -#}
{% macro sql_phone_valid(expr) -%}
    coalesce({{ re_full_match(
        expr,
        "'1[3-9][0-9]{9}|0(10|2[0-9])[0-9]{8}|0[3-9][0-9]{2}[0-9]{7,8}|[48]00[0-9]{7}'"
    ) }}, false)
{%- endmacro %}
