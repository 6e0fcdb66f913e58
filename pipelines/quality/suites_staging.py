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

from pipelines.contracts import SourceContract, all_contracts
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
    contract: SourceContract, settings: Settings, con: duckdb.DuckDBPyConnection
) -> Suite:
    """The suite of one staging model, its frame joined to the delivered text where it exists."""
    declared = read_declaration(settings, "staging.yaml")
    name = f"stg_{contract.source}"
    table = f"staging.{name}"
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
        table=table,
        query=_model_query(contract, table, key, delivered),
        index_column="row_id",
        key=key,
        checks=tuple(builder.checks),
        columns=columns,
        department=contract.department,
        source=contract.source,
        requires=(table,),
    )


def _model_query(contract: SourceContract, table: str, key: tuple[str, ...], delivered: dict[str, str]) -> str:
    """Current rows, each with its delivered text and the occurrence number of its key."""
    if key:
        keys = ", ".join(f"c.{quote(k)}" for k in key)
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
    return f"select {', '.join(select)} from {table} c {join} where c.is_current"


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
    )


def staging_suites(settings: Settings, con: duckdb.DuckDBPyConnection) -> list[Suite]:
    """Every staging suite: one per staging model, one timeliness suite per source."""
    suites: list[Suite] = []
    for contract in all_contracts():
        suites.append(model_suite(contract, settings, con))
        timely = timeliness_suite(contract, settings)
        if timely is not None:
            suites.append(timely)
    return suites

