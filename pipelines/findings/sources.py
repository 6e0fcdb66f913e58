"""SQL building blocks the rules share: how the departments' staging rows link to resolved
entities, and each person's death as the sources record it.

Rules read staging models (they carry each row's lineage: `row_id`, `source_file`,
`source_line`) joined to `er.person_xref` / `er.org_xref` on `<row_id>#<role>`, so evidence always
points at the delivered row.
"""

from __future__ import annotations

# Death sources, in the order a tie on the date is broken: the medical certificate, the
# cremation record, the household register's status (which gives no date: the first snapshot
# that shows the person dead is the latest the death can have happened).
DEATH_TABLES = (
    "staging.stg_weijian__death_certificate",
    "staging.stg_minzheng__death_cremation",
    "staging.stg_gongan__household_register",
)

# A status of an organisation's registration that ends it (deregistered, revoked, cancelled),
# however a registry words it (注销, 已注销, 吊销，未注销, 撤销登记 ...).
ENDED_PATTERN = "注销|吊销|撤销"


def ended(status: str) -> str:
    """SQL: whether a registration status ends the organisation."""
    return f"regexp_matches(coalesce({status}, ''), '{ENDED_PATTERN}')"


def deaths_cte(as_of_param: str = "$as_of") -> str:
    """CTEs `death_reports` (every report of a death) and `deaths` (one per person: the earliest).

    Columns: person_id, death_date, death_kind (Chinese name of the record), death_key (its
    business key), source, record_id, source_file, line.
    """
    return f"""
    death_reports as (
        select x.person_id, d.death_date, '死亡医学证明' as death_kind, d.certificate_no as death_key,
               1 as priority, 'weijian__death_certificate' as source, d.row_id as record_id,
               d.source_file, cast(d.source_line as varchar) as line
        from staging.stg_weijian__death_certificate d
        join er.person_xref x on x.source = 'weijian__death_certificate' and x.record_id = d.row_id || '#self'
        where d.death_date is not null and d.death_date <= {as_of_param}
        union all
        select x.person_id, d.death_date, '火化证明' as death_kind, d.cremation_no as death_key,
               2 as priority, 'minzheng__death_cremation' as source, d.row_id as record_id,
               d.source_file, cast(d.source_line as varchar) as line
        from staging.stg_minzheng__death_cremation d
        join er.person_xref x on x.source = 'minzheng__death_cremation' and x.record_id = d.row_id || '#self'
        where d.death_date is not null and d.death_date <= {as_of_param}
        union all
        (select x.person_id, d.delivery_date as death_date, '户籍死亡注销' as death_kind,
               'register' as death_key, 3 as priority, 'gongan__household_register' as source,
               d.row_id as record_id, d.source_file, cast(d.source_line as varchar) as line
        from staging.stg_gongan__household_register d
        join er.person_xref x on x.source = 'gongan__household_register' and x.record_id = d.row_id || '#self'
        where trim(d.status) = '死亡' and d.delivery_date <= {as_of_param}
        qualify row_number() over (partition by x.person_id order by d.delivery_date, d.row_id) = 1)
    ),
    deaths as (
        select * from death_reports
        qualify row_number() over (partition by person_id order by death_date, priority, record_id) = 1
    )"""


def month_expr(column: str) -> str:
    """A `YYYYMM` period as its first day (the digits of 2026-03, 2026年3月 or 202603)."""
    digits = f"regexp_replace(cast({column} as varchar), '[^0-9]', '', 'g')"
    fixed = f"(case when length({digits}) = 5 then left({digits}, 4) || '0' || right({digits}, 1) else left({digits}, 6) end)"
    return f"cast(try_strptime({fixed}, '%Y%m') as date)"


def address_key(column: str, prefixes: tuple[str, ...] = ()) -> str:
    """An address compared across departments: without spaces and punctuation, and without the
    province, city and county (`prefixes`, from the county profile) that one department writes
    and another leaves out."""
    text = f"regexp_replace(cast({column} as varchar), '[\\s，,。.·\\-—#()（）]', '', 'g')"
    if prefixes:
        alternatives = "|".join(sorted({p for p in prefixes if p}, key=len, reverse=True))
        text = f"regexp_replace({text}, '^(({alternatives}))+', '')"
    return f"nullif({text}, '')"


def business_meter_links(accounts: str, where: str, orgs: str, prefixes: tuple[str, ...] = ()) -> str:
    """SQL relation (org_id, account_row_id): the power accounts of table `accounts` (alias `a`,
    filtered by `where`) that are the meters of a business of relation `orgs` (org_id,
    address_key, name): at its registered seat (address compared by `address_key`) or held in its
    name.

    Two equality joins united, not one join on `address or holder`: DuckDB can only run a join on a
    disjunction as a nested loop over every business and every account, a cost that grows with
    the product of the two (the county's rule took 7 s, and at city scale it would be 120 times
    that)."""
    key = address_key("a.address", prefixes)
    return f"""(
        select o.org_id, a.row_id as account_row_id from {accounts} a join {orgs} o on {key} = o.address_key
        where {where}
        union
        select o.org_id, a.row_id as account_row_id from {accounts} a join {orgs} o on a.holder = o.name
        where {where}
    )"""


UTILITIES = (
    # (account table, consumption table, use column, source of accounts, source of readings, name)
    ("staging.stg_gongdian__account", "staging.stg_gongdian__consumption", "kwh",
     "gongdian__account", "gongdian__consumption", "用电"),
    ("staging.stg_gongshui__account", "staging.stg_gongshui__consumption", "cubic_metres",
     "gongshui__account", "gongshui__consumption", "用水"),
)
