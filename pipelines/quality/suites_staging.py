"""Staging suites, generated from the source contracts and `expectations/staging.yaml`.

One suite per staging model checks its current rows (the latest snapshot of a snapshot source,
every row of an incremental one): required items, the national standards by column type,
delivered values staging could not read (joined back to the raw text by row id), lengths, the
contract key, the person parties' cross-column rules and validity periods. One small suite per
source checks its timeliness (the newest delivery within its update cycle as of the as-of date).
"""

from __future__ import annotations

import re
from typing import Any

import duckdb

from pipelines.contracts import DeliveryMode, SourceContract, all_contracts
from pipelines.quality.declarations import (
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
from pipelines.settings import Settings

DELIVERED_SUFFIX = "__delivered"
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

    delivered = _delivered_columns(declared, contract, staged, raw)
    delivered_types = set((declared.get("delivered") or {}).get("types") or [])
    for column_name in delivered:
        column = contract.column(column_name)
        shown = column_name + DELIVERED_SUFFIX
        if column.type.value in delivered_types:
            builder.add((declared.get("delivered") or {}).get("rules") or [], column_name, (shown, column_name))
        if column.max_length:
            builder.add(declared.get("max_length") or [], column_name, (shown,), max_value=column.max_length)

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

    for start, end in declared.get("periods") or []:
        if start in staged and end in staged:
            builder.add(declared.get("period_rules") or [], end, (start, end))

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
    return Suite(
        name=name,
        stage="staging",
        table=table if scope == "current" else f"{table}__history",
        query=_model_query(contract, table, key, delivered, scope),
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
    contract: SourceContract, table: str, key: tuple[str, ...], delivered: dict[str, str], scope: str
) -> str:
    """The scope's rows, each with its delivered text and the occurrence number of its key (within
    its delivery for a snapshot source, where every delivery is a full list)."""
    if key:
        snapshot = contract.delivery_mode is DeliveryMode.SNAPSHOT
        keys = ", ".join(["c.delivery_date"] * snapshot + [f"c.{quote(k)}" for k in key])
        nulls = " or ".join(f"c.{quote(k)} is null" for k in key)
        occurrence = (
            f"case when {nulls} then null else row_number() over (partition by {keys} "
            f"order by c.delivery_date, try_cast(c.source_line as bigint) nulls last, c.source_line) end"
        )
    else:
        occurrence = "null::bigint"
    select = ["c.*", f"{occurrence} as {quote(KEY_OCCURRENCE)}"]
    join = ""
    if delivered:
        select += [f"d.{quote(n + DELIVERED_SUFFIX)}" for n in delivered]
        raw_columns = ", ".join(f"{quote(zh)} as {quote(n + DELIVERED_SUFFIX)}" for n, zh in delivered.items())
        join = (
            f"left join (select '{contract.source}:' || left(_sha256, 12) || ':' || _line as row_id, "
            f"{raw_columns} from {contract.raw_table}) d using (row_id)"
        )
    where = "c.is_current" if scope == "current" else "not c.is_current"
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
    return suites


def _month_start(expr: str) -> str:
    """SQL: the first day of a month written 202603, 2026-03, 2026/03 or 2026年3月."""
    text = f"trim(cast({expr} as varchar))"
    formats = ("%Y%m", "%Y-%m", "%Y/%m", "%Y年%m月", "%Y.%m")
    return "cast(coalesce(" + ", ".join(f"try_strptime({text}, '{f}')" for f in formats) + ") as date)"


def _when(when: dict[str, list[str]] | None, alias: str) -> str:
    if not when:
        return "true"
    parts = []
    for column, values in when.items():
        listed = ", ".join("'" + v.replace("'", "''") + "'" for v in values)
        parts.append(f"{alias}.{quote(column)} in ({listed})")
    return " and ".join(parts)


def _person_key(id_expr: str, name_expr: str | None) -> str:
    """SQL: the fallback key of a person, name + the birth date positions (7-14) of the ID number."""
    if name_expr is None:
        return "null::varchar"
    return (
        f"case when length({id_expr}) = 18 and {name_expr} is not null "
        f"then {name_expr} || '|' || substr({id_expr}, 7, 8) end"
    )


def _name_column(source: str, id_column: str) -> str | None:
    """The name column of the person party whose ID number is `id_column`."""
    from pipelines.contracts import get_contract

    for party in get_contract(source).parties:
        if party.kind == "person" and party.fields.get("id_number") == id_column:
            return party.fields.get("name")
    return None


def _life_events_sql(declared: dict[str, Any], con: duckdb.DuckDBPyConnection, events: list[str]) -> str | None:
    """SQL: per person key (ID number, or name + ID birth date), the earliest date of `events`."""
    parts = []
    for entry in declared.get("life_events") or []:
        if entry["event"] not in events:
            continue
        table = f"staging.stg_{entry['source']}"
        columns = set(table_columns(con, table))
        needed = {entry["id"], entry["date"], *(entry.get("when") or {})}
        if not needed <= columns:
            continue
        name = _name_column(entry["source"], entry["id"])
        name_sql = f"e.{quote(name)}" if name and name in columns else None
        id_sql = f"e.{quote(entry['id'])}"
        parts.append(
            f"select {id_sql} as id, {_person_key(id_sql, name_sql)} as person_key, "
            f"cast(e.{quote(entry['date'])} as date) as event_date "
            f"from {table} e where {id_sql} is not null and {_when(entry.get('when'), 'e')}"
        )
    if not parts:
        return None
    return " union all ".join(parts)


def life_event_suites(settings: Settings, con: duckdb.DuckDBPyConnection) -> list[Suite]:
    """Per declared source: records dated after the person's death or move away (every delivery)."""
    from pipelines.contracts import get_contract

    declared = read_declaration(settings, "staging.yaml")
    rules = load_rules(settings)
    suites = []
    for entry in declared.get("after_life_event") or []:
        contract = get_contract(entry["source"])
        table = f"staging.stg_{contract.source}"
        columns = set(table_columns(con, table))
        id_column = next((p.fields["id_number"] for p in contract.parties
                          if p.kind == "person" and "id_number" in p.fields), None)
        if id_column is None or not {id_column, entry["date"], *(entry.get("when") or {})} <= columns:
            continue
        events = _life_events_sql(declared, con, entry.get("events") or ["death"])
        if events is None:
            continue
        record_date = _month_start(f"c.{quote(entry['date'])}") if entry.get("month") else (
            f"cast(c.{quote(entry['date'])} as date)"
        )
        name = f"life_events__{contract.source}"
        builder = _Builder(name, settings, declared, rules)
        builder.add(entry["rules"], entry["date"], ("record_date", "life_event_date"),
                    shown=(id_column, "record_date", "life_event_date"))
        name_column = _name_column(contract.source, id_column)
        name_sql = f"c.{quote(name_column)}" if name_column and name_column in columns else None
        id_sql = f"c.{quote(id_column)}"
        query = f"""
            with events as ({events}),
            by_id as (select id, min(event_date) as event_date from events group by id),
            by_person as (
                select person_key, min(event_date) as event_date from events
                where person_key is not null group by person_key
            )
            select c.row_id, c.source_file, c.source_line, {id_sql},
                   {record_date} as record_date,
                   coalesce(i.event_date, p.event_date) as life_event_date
            from {table} c
            left join by_id i on i.id = {id_sql}
            left join by_person p on p.person_key = {_person_key(id_sql, name_sql)}
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
                    "life_event_date": ColumnInfo("life_event_date", "personal"),
                },
                department=contract.department, source=contract.source, requires=(table,),
                scope="cross-source",
            )
        )
    return suites

