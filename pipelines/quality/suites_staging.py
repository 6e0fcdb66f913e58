"""Staging suites, generated from the source contracts and `expectations/staging.yaml`.

One suite per staging model checks its current rows (the latest snapshot of a snapshot source,
every row of an incremental one): required items, the national standards by column type,
delivered values staging could not read (joined back to the raw text by row id), lengths, the
contract key, the person parties' cross-column rules, and the order in time of the dates the
contract declares (`pipelines.quality.time_order`). One small suite per source checks its
timeliness (the newest delivery within its update cycle as of the as-of date).
"""

from __future__ import annotations

import re
from typing import Any

import duckdb

from pipelines.contracts import DeliveryMode, SourceContract, all_contracts
from pipelines.quality.declarations import (
    DELIVERED_SUFFIX,
    Check,
    ColumnInfo,
    Rule,
    Suite,
    bind,
    exempt,
    load_rules,
    quote,
    read_declaration,
    rule,
)
from pipelines.quality.time_order import event_checks, month_start, within_row_pairs
from pipelines.settings import Settings

KEY_OCCURRENCE = "__key_occurrence"


def table_columns(con: duckdb.DuckDBPyConnection, qualified: str) -> list[str]:
    """Columns of a table in order (empty when the table does not exist)."""
    schema, _, name = qualified.partition(".")
    rows = con.execute(
        "select column_name from information_schema.columns "
        "where table_schema = ? and table_name = ? order by ordinal_position",
        [schema, name],
    ).fetchall()
    return [row[0] for row in rows]


def _mask_kind(column: Any) -> str:
    from pipelines.standards.masking import column_mask_kind

    return column_mask_kind(column).value


class _Builder:
    """Collects the checks of one staging suite from the declarations."""

    def __init__(self, suite: str, settings: Settings, declared: dict[str, Any], rules: dict[str, Rule]):
        self.suite = suite
        self.settings = settings
        self.declared = declared
        self.rules = rules
        self.checks: list[Check] = []

    def add(
        self,
        rule_names: list[str],
        column: str | None,
        frame_columns: tuple[str, ...],
        shown: tuple[str, ...] | None = None,
        **extra: Any,
    ) -> None:
        for name in rule_names:
            declared_rule = rule(self.rules, name, "expectations/staging.yaml")
            if column is not None and exempt(self.declared, name, column):
                continue
            check = bind(self.suite, declared_rule, self.settings, column=column,
                         frame_columns=frame_columns, extra=extra or None, shown=shown)
            if all(c.check_id != check.check_id for c in self.checks):
                self.checks.append(check)


def _column_rules(declared: dict[str, Any], contract: SourceContract, staged: set[str]) -> list[tuple[str, list[str]]]:
    """(column, rule names) of the per-column declarations: required, by type, by name."""
    out = []
    for column in contract.columns:
        if column.name not in staged:
            continue
        names = list(declared.get("required") or []) if column.required else []
        names += (declared.get("by_type") or {}).get(column.type.value) or []
        for entry in declared.get("by_name") or []:
            if entry.get("types") and column.type.value not in entry["types"]:
                continue
            if ("match" in entry and re.search(entry["match"], column.name)) or (
                "match_zh" in entry and re.search(entry["match_zh"], column.name_zh)
            ):
                names += entry["rules"]
        out.append((column.name, list(dict.fromkeys(names))))
    return out


def _delivered_columns(
    declared: dict[str, Any], contract: SourceContract, staged: set[str], raw: set[str]
) -> dict[str, str]:
    """Contract column -> raw (delivered) column, for columns whose delivered text is checked."""
    types = set((declared.get("delivered") or {}).get("types") or [])
    wanted: dict[str, str] = {}
    for column in contract.columns:
        if column.name not in staged or column.name_zh not in raw:
            continue
        if column.type.value in types or (column.max_length and declared.get("max_length")):
            wanted[column.name] = column.name_zh
    return wanted


def model_suite(
    contract: SourceContract, settings: Settings, con: duckdb.DuckDBPyConnection, scope: str = "current"
) -> Suite:
    """The suite of one staging model on its current rows (or, `scope="history"`, on the rows of
    earlier deliveries), its frame joined to the delivered text where the raw table has it."""
    declared = read_declaration(settings, "staging.yaml")
    model = f"stg_{contract.source}"
    table = f"staging.{model}"
    name = model if scope == "current" else f"{model}__history"
    staged = set(table_columns(con, table))
    raw = set(table_columns(con, contract.raw_table))
    builder = _Builder(name, settings, declared, load_rules(settings))

    for column, rule_names in _column_rules(declared, contract, staged):
        builder.add(rule_names, column, (column,))

    for entry in declared.get("across_columns") or []:
        columns = tuple(c.name for c in contract.columns if c.type.value in entry["types"] and c.name in staged)
        if columns:
            builder.add(entry["rules"], None, columns)

    delivered = _delivered_columns(declared, contract, staged, raw)
    delivered_types = set((declared.get("delivered") or {}).get("types") or [])
    for column_name in delivered:
        column = contract.column(column_name)
        if column.type.value in delivered_types:
            shown = column_name + DELIVERED_SUFFIX
            builder.add((declared.get("delivered") or {}).get("rules") or [], column_name, (shown, column_name))
    lengths = {n + DELIVERED_SUFFIX: contract.column(n).max_length for n in delivered if contract.column(n).max_length}
    if lengths:
        builder.add(declared.get("max_length") or [], None, tuple(lengths), max_lengths=lengths)

    key = tuple(k for k in contract.key if k in staged)
    if key and len(key) == len(contract.key):
        builder.add(declared.get("key") or [], "+".join(key), (KEY_OCCURRENCE,), shown=key)

    for party in contract.parties:
        if party.kind != "person":
            continue
        for entry in declared.get("person_party") or []:
            columns = tuple(party.fields.get(f) for f in entry["fields"])
            if all(c is not None and c in staged for c in columns):
                builder.add(entry["rules"], columns[-1], tuple(c for c in columns if c))

    order = declared.get("time_order") or {}
    derived: list[str] = []
    for event in event_checks(contract, staged):
        builder.add(order.get(event.kind) or [], event.column, (event.start, event.event),
                    shown=tuple(dict.fromkeys((event.start, event.column))))
        derived += event.select
    for earlier, later in within_row_pairs(contract, staged):
        builder.add(order.get("within_row") or [], later, (earlier, later))

    columns = {
        c.name: ColumnInfo(name=c.name, sensitivity=c.sensitivity.value, kind=_mask_kind(c))
        for c in contract.columns
    }
    for column_name in delivered:
        info = columns[column_name]
        columns[column_name + DELIVERED_SUFFIX] = ColumnInfo(
            name=column_name + DELIVERED_SUFFIX, sensitivity=info.sensitivity, kind=info.kind
        )
    columns[KEY_OCCURRENCE] = ColumnInfo(name=KEY_OCCURRENCE, sensitivity="internal")
    for event in event_checks(contract, staged):
        sensitivity = "personal" if event.kind == "person" else "public"
        columns[event.start] = ColumnInfo(name=event.start, sensitivity=sensitivity)
        if event.event != event.column:
            columns[event.event] = ColumnInfo(name=event.event, sensitivity=columns[event.column].sensitivity)
    return Suite(
        name=name,
        stage="staging",
        table=table if scope == "current" else f"{table}__history",
        query=_model_query(contract, table, key, delivered, scope, tuple(derived)),
        index_column="row_id",
        key=("delivery_date", *key) if contract.delivery_mode is DeliveryMode.SNAPSHOT else key,
        checks=tuple(builder.checks),
        columns=columns,
        department=contract.department,
        source=contract.source,
        requires=(table,),
        scope=scope,
    )


def _model_query(
    contract: SourceContract, table: str, key: tuple[str, ...], delivered: dict[str, str], scope: str,
    derived: tuple[str, ...] = (),
) -> str:
    """The scope's rows, each with its delivered text, the occurrence number of its key (within
    its delivery for a snapshot source, where every delivery is a full list) and the `derived`
    select items (the starts its event dates are checked against)."""
    where = "c.is_current" if scope == "current" else "not c.is_current"
    select = ["c.*", *derived]
    join = ""
    if key:
        # Only rows whose key repeats are numbered (in a narrow query joined back by rowid); every
        # other row with a key is its key's first occurrence. A window over whole staged rows
        # sorted every column with them, and even a narrow one over every row was most of the
        # check stage's DuckDB time at county; finding the repeated keys is one hash aggregate.
        snapshot = contract.delivery_mode is DeliveryMode.SNAPSHOT
        names = ["delivery_date"] * snapshot + [quote(k) for k in key]
        keys = ", ".join(f"c.{n}" for n in names)
        nulls = " or ".join(f"c.{quote(k)} is null" for k in key)
        repeated = (
            f"select {keys} from {table} c where {where} and not ({nulls}) "
            f"group by {keys} having count(*) > 1"
        )
        matched = " and ".join(f"c.{n} = r.{n}" for n in names)
        numbered = (
            f"select c.rowid as __rid, row_number() over (partition by {keys} "
            f"order by c.delivery_date, try_cast(c.source_line as bigint) nulls last, c.source_line) as occurrence "
            f"from {table} c semi join ({repeated}) r on {matched} where {where}"
        )
        select.append(f"case when {nulls} then null else coalesce(o.occurrence, 1) end as {quote(KEY_OCCURRENCE)}")
        join += f"left join ({numbered}) o on o.__rid = c.rowid "
    else:
        select.append(f"null::bigint as {quote(KEY_OCCURRENCE)}")
    if delivered:
        select += [f"d.{quote(n + DELIVERED_SUFFIX)}" for n in delivered]
        raw_columns = ", ".join(f"{quote(zh)} as {quote(n + DELIVERED_SUFFIX)}" for n, zh in delivered.items())
        join += (
            f"left join (select '{contract.source}:' || left(_sha256, 12) || ':' || _line as row_id, "
            f"{raw_columns} from {contract.raw_table}) d using (row_id)"
        )
    return f"select {', '.join(select)} from {table} c {join} where {where}"


def timeliness_suite(contract: SourceContract, settings: Settings) -> Suite | None:
    """A one-row frame per source: how old its newest delivery is against its update cycle."""
    declared = read_declaration(settings, "staging.yaml")
    rule_names = declared.get("timeliness") or []
    if not rule_names:
        return None
    name = f"timeliness__{contract.source}"
    table = f"staging.stg_{contract.source}"
    builder = _Builder(name, settings, declared, load_rules(settings))
    builder.add(rule_names, "delivery_date", ("max_age_days", "age_days"))
    as_of = settings.as_of.isoformat()
    query = f"""
        select '{contract.source}' as row_id,
               max(delivery_date) as latest_delivery,
               cast(date_diff('day', max(delivery_date), date '{as_of}') as double) as age_days,
               cast({contract.update_cycle.max_age_days} as double) as max_age_days,
               '{contract.update_cycle.value}' as update_cycle,
               arg_max(source_file, delivery_date) as source_file,
               null::varchar as source_line
        from {table}
        where delivery_date <= date '{as_of}'
    """
    internal = "internal"
    return Suite(
        name=name,
        stage="staging",
        table=table,
        query=query,
        index_column="row_id",
        key=(),
        checks=tuple(builder.checks),
        columns={c: ColumnInfo(c, internal) for c in ("age_days", "max_age_days", "latest_delivery")},
        department=contract.department,
        source=contract.source,
        requires=(table,),
        scope="source",
    )


def staging_suites(settings: Settings, con: duckdb.DuckDBPyConnection) -> list[Suite]:
    """Every staging suite: one per staging model, one timeliness suite per source."""
    declared = read_declaration(settings, "staging.yaml")
    suites: list[Suite] = []
    for contract in all_contracts():
        suites.append(model_suite(contract, settings, con))
        if declared.get("history") and contract.delivery_mode is DeliveryMode.SNAPSHOT:
            suites.append(model_suite(contract, settings, con, scope="history"))
        timely = timeliness_suite(contract, settings)
        if timely is not None:
            suites.append(timely)
    suites += life_event_suites(settings, con)
    suites += indicator_suites(settings, con)
    return suites


def _when(when: dict[str, list[str]] | None, alias: str) -> str:
    if not when:
        return "true"
    parts = []
    for column, values in when.items():
        listed = ", ".join("'" + v.replace("'", "''") + "'" for v in values)
        parts.append(f"{alias}.{quote(column)} in ({listed})")
    return " and ".join(parts)


def _fallback_key(party: str, id_sql: str, name_sql: str | None) -> str:
    """SQL: the key matching a party whose identifier may be mistyped: a person's name + the
    birth date positions (7-14) of the ID number; an organisation's name."""
    if name_sql is None:
        return "null::varchar"
    if party == "person":
        return (
            f"case when length({id_sql}) = 18 and {name_sql} is not null "
            f"then {name_sql} || '|' || substr({id_sql}, 7, 8) end"
        )
    return name_sql


def _life_events_sql(declared: dict[str, Any], con: duckdb.DuckDBPyConnection, events: list[str]) -> str | None:
    """SQL: every dated life event of `events` (id, fallback key, date) other sources record."""
    parts = []
    for entry in declared.get("life_events") or []:
        if entry["event"] not in events:
            continue
        table = f"staging.stg_{entry['source']}"
        columns = set(table_columns(con, table))
        needed = {entry["id"], entry["date"], *(entry.get("when") or {})}
        if not needed <= columns:
            continue
        party = entry.get("party", "person")
        name = entry.get("name")
        name_sql = f"e.{quote(name)}" if name and name in columns else None
        id_sql = f"e.{quote(entry['id'])}"
        parts.append(
            f"select {id_sql} as id, {_fallback_key(party, id_sql, name_sql)} as fallback_key, "
            f"cast(e.{quote(entry['date'])} as date) as event_date "
            f"from {table} e where e.{quote(entry['date'])} is not null "
            f"and coalesce({id_sql}, {name_sql or 'null'}) is not null and {_when(entry.get('when'), 'e')}"
        )
    if not parts:
        return None
    return " union all ".join(parts)


def _record_date(entry: dict[str, Any]) -> str:
    """SQL: the date a record is checked at (a month's first day, an open end's stand-in)."""
    column = f"c.{quote(entry['date'])}"
    if entry.get("month"):
        return month_start(column)
    if entry.get("open_end"):
        return f"coalesce(cast({column} as date), date '{entry['open_end']}')"
    return f"cast({column} as date)"


def life_event_suites(settings: Settings, con: duckdb.DuckDBPyConnection) -> list[Suite]:
    """Per declared source: records dated after their party's life event (every delivery)."""
    from pipelines.contracts import get_contract

    declared = read_declaration(settings, "staging.yaml")
    rules = load_rules(settings)
    suites = []
    for entry in declared.get("after_life_event") or []:
        contract = get_contract(entry["source"])
        table = f"staging.stg_{contract.source}"
        columns = set(table_columns(con, table))
        id_column = entry["id"]
        if not {id_column, entry["date"], *(entry.get("when") or {})} <= columns:
            continue
        events = _life_events_sql(declared, con, entry.get("events") or ["death"])
        if events is None:
            continue
        party = entry.get("party", "person")
        name_column = entry.get("name")
        name_sql = f"c.{quote(name_column)}" if name_column and name_column in columns else None
        id_sql = f"c.{quote(id_column)}"
        name = f"life_events__{contract.source}"
        builder = _Builder(name, settings, declared, rules)
        builder.add(entry["rules"], entry["date"], ("record_date", "life_event_date"),
                    shown=(id_column, "record_date", "life_event_date"))
        query = f"""
            with events as ({events}),
            by_id as (select id, min(event_date) as event_date from events group by id),
            by_fallback as (
                select fallback_key, min(event_date) as event_date from events
                where fallback_key is not null group by fallback_key
            )
            select c.row_id, c.source_file, c.source_line, {id_sql},
                   {_record_date(entry)} as record_date,
                   coalesce(i.event_date, f.event_date) as life_event_date
            from {table} c
            left join by_id i on i.id = {id_sql}
            left join by_fallback f on f.fallback_key = {_fallback_key(party, id_sql, name_sql)}
            where {_when(entry.get('when'), 'c')}
        """
        column = contract.column(id_column)
        suites.append(
            Suite(
                name=name, stage="staging", table=table, query=query, index_column="row_id", key=(),
                checks=tuple(builder.checks),
                columns={
                    id_column: ColumnInfo(id_column, column.sensitivity.value, _mask_kind(column)),
                    "record_date": ColumnInfo("record_date", "internal"),
                    "life_event_date": ColumnInfo("life_event_date", "personal" if party == "person" else "public"),
                },
                department=contract.department, source=contract.source, requires=(table,),
                scope="cross-source",
            )
        )
    return suites


def _indicator_suite(
    name: str, contract: SourceContract, settings: Settings, declared: dict[str, Any],
    rule_names: list[str], column: str, query: str, shown: tuple[str, ...], requires: tuple[str, ...],
) -> Suite:
    builder = _Builder(name, settings, declared, load_rules(settings))
    builder.add(rule_names, "value", (column,), shown=shown)
    return Suite(
        name=name, stage="staging", table=f"staging.stg_{contract.source}", query=query,
        index_column="row_id", key=(), checks=tuple(builder.checks),
        columns={c: ColumnInfo(c, "public") for c in shown},
        department=contract.department, source=contract.source, requires=requires, scope="cross-source",
    )


def indicator_suites(settings: Settings, con: duckdb.DuckDBPyConnection) -> list[Suite]:
    """Statistical indicators: totals against their parts, townships against department records."""
    from pipelines.contracts import get_contract

    declared = read_declaration(settings, "staging.yaml")
    spec = declared.get("indicators")
    if not spec:
        return []
    contract = get_contract(spec["source"])
    table = f"staging.stg_{contract.source}"
    needed = {"division_code", "indicator", "period", "value", "unit"}
    if not needed <= set(table_columns(con, table)):
        return []
    county_codes = ", ".join(f"'{c}'" for c in settings.county.all_codes)
    units = ", ".join(f"'{u}'" for u in spec.get("additive_units") or [])
    suites = []
    parts_query = f"""
        with parts as (
            select source_file, indicator, period, sum(value) as parts_sum, count(*) as parts
            from {table} where length(division_code) = 9 and value is not null group by all
        )
        select t.row_id, t.source_file, t.source_line, t.indicator, t.period, t.value, p.parts_sum,
               t.value / nullif(p.parts_sum, 0) as parts_ratio
        from {table} t join parts p using (source_file, indicator, period)
        where left(t.division_code, 6) in ({county_codes})
          and (length(t.division_code) = 6 or t.division_code like '______000%')
          and t.unit in ({units})
    """
    suites.append(_indicator_suite(
        f"indicator_totals__{contract.source}", contract, settings, declared, spec.get("parts_rules") or [],
        "parts_ratio", parts_query, ("indicator", "period", "value", "parts_sum"), (table,),
    ))
    for reference in spec.get("references") or []:
        ref_table = f"staging.stg_{reference['source']}"
        division = reference.get("division", "division_code")
        if not {division, "delivery_date", *(reference.get("when") or {})} <= set(table_columns(con, ref_table)):
            continue
        query = f"""
            with ind as (
                select * from {table}
                where indicator = '{reference['indicator']}' and length(division_code) = 9
            ),
            snapshots as (select distinct delivery_date from {ref_table}),
            picked as (
                select i.row_id,
                       coalesce(max(s.delivery_date) filter (where s.delivery_date <= i.delivery_date),
                                min(s.delivery_date)) as snapshot
                from ind i cross join snapshots s group by i.row_id
            ),
            counts as (
                select c.delivery_date as snapshot, left(c.{quote(division)}, 9) as township, count(*) as counted
                from {ref_table} c where {_when(reference.get('when'), 'c')} group by all
            )
            select i.row_id, i.source_file, i.source_line, i.indicator, i.period, i.value, c.counted,
                   i.value / nullif(c.counted, 0) as records_ratio
            from ind i join picked p using (row_id)
            left join counts c on c.snapshot = p.snapshot and c.township = left(i.division_code, 9)
        """
        suites.append(_indicator_suite(
            f"indicator_records__{contract.source}__{reference['source']}", contract, settings, declared,
            reference["rules"], "records_ratio", query, ("indicator", "period", "value", "counted"),
            (table, ref_table),
        ))
    return suites
