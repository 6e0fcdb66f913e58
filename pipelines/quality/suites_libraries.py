"""Library suites, generated from the dbt model files and `expectations/libraries.yaml`.

Per library table: column rules by name, dbt tests as keys and required columns, cross-column
pairs. Per library: accessibility (every table readable and documented). Across departments, one
suite per source: consistency (each department's record of a resolved person or organisation
against the library's golden record), record completeness (records expected in the population
base) and order in time through the registry (an organisation's events against the legal-entity
library's establishment date). Library values are masked by the sensitivity their dbt YAML gives; an undocumented column
is masked as personal rather than leaked.
"""

from __future__ import annotations

from typing import Any

import duckdb

from pipelines.quality.dbt_models import ModelDoc, library_models
from pipelines.quality.declarations import (
    Check,
    ColumnInfo,
    Rule,
    Suite,
    bind,
    library_schema,
    load_rules,
    quote,
    read_declaration,
    rule,
)
from pipelines.quality.suites_staging import KEY_OCCURRENCE, table_columns
from pipelines.settings import Settings
from pipelines.warehouse import table_exists

RECORD_KEY = "_record_key"
WHERE = "expectations/libraries.yaml"
_MASK_KIND_BY_NAME = {"id_number": "id_number", "phone": "phone", "uscc": "credit_code", "credit_code": "credit_code"}


def _mask_kind(column: str) -> str:
    """The masking kind of a library column, by the same naming rules as contract columns."""
    from pipelines.contracts.schema import Column, ColumnType
    from pipelines.standards.masking import column_mask_kind

    for suffix, kind in _MASK_KIND_BY_NAME.items():
        if column == suffix or column.endswith("_" + suffix):
            return column_mask_kind(Column(name=column, name_zh=column, type=ColumnType(kind))).value
    return column_mask_kind(Column(name=column, name_zh=column)).value


def _column_info(model: ModelDoc | None, columns: list[str]) -> dict[str, ColumnInfo]:
    documented = model.columns if model is not None else {}
    return {
        name: ColumnInfo(
            name=name,
            sensitivity=(documented[name].sensitivity if name in documented else None) or "personal",
            kind=_mask_kind(name),
        )
        for name in columns
    }


def _bind_all(
    suite: str, settings: Settings, rules: dict[str, Rule], names: list[str], column: str | None,
    frame_columns: tuple[str, ...], checks: list[Check], shown: tuple[str, ...] | None = None,
    **extra: Any,
) -> None:
    for name in names:
        check = bind(suite, rule(rules, name, WHERE), settings, column=column,
                     frame_columns=frame_columns, extra=extra or None, shown=shown)
        if all(c.check_id != check.check_id for c in checks):
            checks.append(check)


def table_suite(
    model: ModelDoc, settings: Settings, con: duckdb.DuckDBPyConnection
) -> Suite | None:
    """The suite of one library table, or None when the table is not in the warehouse."""
    if not table_exists(con, model.qualified):
        return None
    declared = read_declaration(settings, "libraries.yaml")
    rules = load_rules(settings)
    present = table_columns(con, model.qualified)
    name = f"{model.schema}__{model.name}"
    checks: list[Check] = []
    key = tuple(k for k in model.key() if k in present) or tuple(present[:1])
    for column in present:
        names = list((declared.get("by_column") or {}).get(column) or [])
        doc = model.columns.get(column)
        for test in doc.tests if doc else ():
            if test == "unique":
                continue  # keys are checked by occurrence below
            names += (declared.get("by_test") or {}).get(test) or []
        _bind_all(name, settings, rules, list(dict.fromkeys(names)), column, (column,), checks)
    unique_rules = (declared.get("by_test") or {}).get("unique") or []
    if key and any("unique" in (model.columns[k].tests if k in model.columns else ()) for k in key):
        _bind_all(name, settings, rules, unique_rules, "+".join(key), (KEY_OCCURRENCE,), checks, shown=key)
    for entry in declared.get("pairs") or []:
        a, b = entry["columns"]
        if a in present and b in present:
            _bind_all(name, settings, rules, entry["rules"], b, (a, b), checks)
    keys = ", ".join(quote(k) for k in key)
    columns = _column_info(model, present)
    record_key = " || '|' || ".join(f"coalesce(cast({quote(k)} as varchar), '')" for k in key)
    if any(columns[k].sensitivity in ("personal", "sensitive") for k in key):
        # dq.failures names records by key; a personal key is named by its digest instead
        record_key = f"'md5:' || left(md5({record_key}), 16)"
    # only rows whose key repeats are numbered (a narrow query joined back by rowid); every other
    # row is its key's first occurrence: a window over every row (and worse, over whole rows) cost
    # far more than the one hash aggregate that finds the repeated keys
    matched = " and ".join(f"m.{quote(k)} is not distinct from r.{quote(k)}" for k in key)
    repeated = f"select {keys} from {model.qualified} group by {keys} having count(*) > 1"
    numbered = (
        f"select m.rowid as __rid, row_number() over (partition by {keys} order by {keys}) as occurrence "
        f"from {model.qualified} m semi join ({repeated}) r on {matched}"
    )
    query = (
        f"select m.*, {record_key} as {RECORD_KEY}, coalesce(o.occurrence, 1) as {quote(KEY_OCCURRENCE)} "
        f"from {model.qualified} m left join ({numbered}) o on o.__rid = m.rowid"
    )
    columns[KEY_OCCURRENCE] = ColumnInfo(KEY_OCCURRENCE, "internal")
    return Suite(
        name=name,
        stage="libraries",
        table=model.qualified,
        query=query,
        index_column=RECORD_KEY,
        key=key,
        checks=tuple(checks),
        columns=columns,
        library=model.library,
        lineage=False,
        requires=(model.qualified,),
        scope="library",
    )


def _readable(con: duckdb.DuckDBPyConnection, qualified: str) -> bool:
    if not table_exists(con, qualified):
        return False
    try:
        con.execute(f"select count(*) from {qualified}").fetchone()
    except Exception:  # any failure to read is what the check reports
        return False
    return True


def _documented(model: ModelDoc, present: list[str]) -> bool:
    """The model has a description and so has every column (of the table, or of the YAML)."""
    columns = present or list(model.columns)
    return model.documented and bool(columns) and all(
        c in model.columns and model.columns[c].description.strip() for c in columns
    )


def accessibility_suites(settings: Settings, con: duckdb.DuckDBPyConnection) -> list[Suite]:
    """Per library, one row per table of its dbt models: readable, documented."""
    declared = read_declaration(settings, "libraries.yaml")
    rules = load_rules(settings)
    rule_names = declared.get("accessibility") or []
    by_library: dict[str, list[ModelDoc]] = {}
    for model in library_models(settings).values():
        by_library.setdefault(model.library or "", []).append(model)
    suites = []
    for library, models in sorted(by_library.items()):
        rows = []
        for model in sorted(models, key=lambda m: m.name):
            readable = _readable(con, model.qualified)
            present = table_columns(con, model.qualified) if readable else []
            rows.append(f"('{model.qualified}', {readable}, {_documented(model, present)})")
        name = f"accessibility__{library}"
        checks: list[Check] = []
        for rule_name in rule_names:
            frame_column = "readable" if rule(rules, rule_name, WHERE).indicator == "accessible" else "documented"
            _bind_all(name, settings, rules, [rule_name], frame_column, (frame_column,), checks)
        query = (
            "select row_id, readable, documented, null::varchar as source_file, null::varchar as source_line "
            f"from (values {', '.join(rows)}) t(row_id, readable, documented)"
        )
        suites.append(
            Suite(
                name=name,
                stage="libraries",
                table=library,
                query=query,
                index_column="row_id",
                key=(),
                checks=tuple(checks),
                columns={c: ColumnInfo(c, "public") for c in ("readable", "documented")},
                library=library,
                lineage=False,
                scope="accessibility",
            )
        )
    return suites


def _golden_table(settings: Settings, library: str, entity_id: str) -> ModelDoc | None:
    """The library table whose key is the entity id (the golden record of the entity)."""
    for model in library_models(settings).values():
        if model.library == library and model.key() == (entity_id,):
            return model
    return None


def _sources_of(con: duckdb.DuckDBPyConnection, records: str) -> list[str]:
    return [row[0] for row in con.execute(f"select distinct source from {records} order by 1").fetchall()]


def consistency_suites(settings: Settings, con: duckdb.DuckDBPyConnection) -> list[Suite]:
    """Per declared entity and source: each record's fields against the golden record."""
    declared = read_declaration(settings, "libraries.yaml")
    rules = load_rules(settings)
    suites: list[Suite] = []
    for entry in declared.get("consistency") or []:
        records, xref, entity_id = entry["records"], entry["xref"], entry["id"]
        golden = _golden_table(settings, library_schema(entry["library"]), entity_id)
        if golden is None or not all(table_exists(con, t) for t in (records, xref, golden.qualified)):
            continue
        golden_columns = set(table_columns(con, golden.qualified))
        record_columns = set(table_columns(con, records))
        fields = [f for f in entry["fields"] if f in golden_columns and f in record_columns]
        if not fields:
            continue
        for source in _sources_of(con, records):
            department = source.split("__")[0]
            name = f"consistency__{entry['entity']}__{source}"
            checks: list[Check] = []
            for field in fields:
                _bind_all(name, settings, rules, entry["rules"], field, (field, f"golden_{field}"), checks)
            compared = ", ".join(
                f"cast(r.{quote(f)} as varchar) as {quote(f)}, "
                f"cast(g.{quote(f)} as varchar) as {quote('golden_' + f)}"
                for f in fields
            )
            # the source's records first; the departments of only their entities are counted
            # (counting every entity's departments again for each source cost a second a suite)
            query = f"""
                with mine as (
                    select r.record_id as row_id, r.source_file, cast(r.source_line as varchar) as source_line,
                           x.{quote(entity_id)}, {", ".join(f"r.{quote(f)}" for f in fields)}
                    from {records} r
                    join {xref} x using (source, record_id)
                    where r.source = '{source}'
                ),
                spread as (
                    select x.{quote(entity_id)}
                    from {xref} x
                    where x.{quote(entity_id)} in (select {quote(entity_id)} from mine)
                    group by 1
                    having count(distinct split_part(x.source, '__', 1)) >= 2
                )
                select r.row_id, r.source_file, r.source_line, r.{quote(entity_id)}, {compared}
                from mine r
                join spread s using ({quote(entity_id)})
                join {golden.qualified} g using ({quote(entity_id)})
            """
            info = _column_info(golden, fields)
            columns = {**info, **{f"golden_{f}": ColumnInfo(f"golden_{f}", info[f].sensitivity, info[f].kind) for f in fields}}
            suites.append(
                Suite(
                    name=name, stage="libraries", table=records, query=query, index_column="row_id",
                    key=(), checks=tuple(checks), columns=columns, department=department,
                    library=golden.library, source=source, requires=(records, xref, golden.qualified),
                    scope="cross-department",
                )
            )
    return suites


def completeness_suites(settings: Settings, con: duckdb.DuckDBPyConnection) -> list[Suite]:
    """Records expected in another department's data (declared in `record_completeness`)."""
    declared = read_declaration(settings, "libraries.yaml")
    rules = load_rules(settings)
    suites: list[Suite] = []
    for entry in declared.get("record_completeness") or []:
        records, xref, entity_id, source = entry["records"], entry["xref"], entry["id"], entry["source"]
        staged = f"staging.stg_{source}"
        reference = entry["reference_source"]
        ref_table = f"staging.stg_{reference}"
        if not all(table_exists(con, t) for t in (records, xref, staged, ref_table)):
            continue
        if entry["date"] not in table_columns(con, staged):
            continue
        related = ", ".join(f"'{r}'" for r in entry.get("related_roles") or [])
        # rows naming a related party (a parent) known to the reference source: a join on the
        # distinct rows, not a correlated subquery (that took 50 CPU seconds at county scale)
        related_cte = (
            f""",
            related_rows as (
                select distinct p.source_file, p.source_line
                from recs p join referenced using ({quote(entity_id)})
                where p.role in ({related})
            )"""
            if related else ""
        )
        related_join = (
            "join related_rows rr on rr.source_file = c.source_file and rr.source_line = c.source_line"
            if related else ""
        )
        name = f"record_completeness__{entry['name']}"
        checks: list[Check] = []
        _bind_all(name, settings, rules, entry["rules"], f"in_{reference}", ("in_reference",), checks)
        query = f"""
            with recs as materialized (
                select r.record_id, r.role, r.source_file, cast(r.source_line as varchar) as source_line,
                       x.{quote(entity_id)}
                from {records} r join {xref} x using (source, record_id)
                where r.source = '{source}'
            ),
            referenced as materialized (select distinct {quote(entity_id)} from {xref} where source = '{reference}'),
            latest as (select max(delivery_date) as delivered from {ref_table}){related_cte}
            select c.record_id as row_id, c.source_file, c.source_line, c.{quote(entity_id)},
                   c.{quote(entity_id)} in (select {quote(entity_id)} from referenced) as in_reference
            from recs c
            join {staged} s on s.source_file = c.source_file and cast(s.source_line as varchar) = c.source_line
            {related_join}
            cross join latest
            where c.role = '{entry.get("role", "self")}'
              and s.{quote(entry["date"])} + interval {int(entry.get("grace_days", 0))} day <= latest.delivered
            order by c.record_id
        """
        suites.append(
            Suite(
                name=name, stage="libraries", table=staged, query=query, index_column="row_id",
                key=(), checks=tuple(checks),
                columns={"in_reference": ColumnInfo("in_reference", "internal")},
                department=source.split("__")[0], library=library_schema(entry["library"]), source=source,
                requires=(records, xref, staged, ref_table), scope="cross-department",
            )
        )
    return suites


def registry_order_suites(settings: Settings, con: duckdb.DuckDBPyConnection) -> list[Suite]:
    """Per source with organisation events its rows cannot date against themselves: each event
    against the establishment date of the resolved organisation in the legal-entity library."""
    from pipelines.contracts import all_contracts
    from pipelines.quality.time_order import registry_check

    entry = read_declaration(settings, "libraries.yaml").get("registry_time_order")
    if not entry:
        return []
    rules = load_rules(settings)
    library = library_schema(entry["library"])
    registry = f"{library}.{entry['table']}"
    xref = entry["xref"]
    if not all(table_exists(con, t) for t in (xref, registry)):
        return []
    if entry["established"] not in table_columns(con, registry):
        return []
    suites: list[Suite] = []
    for contract in all_contracts():
        staged = f"staging.stg_{contract.source}"
        if not table_exists(con, staged):
            continue
        found = registry_check(contract, set(table_columns(con, staged)), xref, registry, entry["id"],
                               entry["established"])
        if found is None:
            continue
        name = f"registry_order__{contract.source}"
        checks: list[Check] = []
        columns: dict[str, ColumnInfo] = {}
        for column, event, start in found.columns:
            _bind_all(name, settings, rules, entry["rules"], column, (start, event), checks,
                      shown=(start, event))
            columns[start] = ColumnInfo(start, "public")
            columns[event] = ColumnInfo(event, contract.column(column).sensitivity.value)
        suites.append(
            Suite(
                name=name, stage="libraries", table=staged, query=found.query, index_column="row_id",
                key=(), checks=tuple(checks), columns=columns, department=contract.department,
                library=library, source=contract.source, requires=(staged, xref, registry),
                scope="cross-department",
            )
        )
    return suites


def library_suites(settings: Settings, con: duckdb.DuckDBPyConnection) -> list[Suite]:
    """Every library-stage suite: tables, accessibility, consistency, record completeness."""
    suites: list[Suite] = []
    for model in sorted(library_models(settings).values(), key=lambda m: m.qualified):
        suite = table_suite(model, settings, con)
        if suite is not None:
            suites.append(suite)
    suites += accessibility_suites(settings, con)
    suites += consistency_suites(settings, con)
    suites += completeness_suites(settings, con)
    suites += registry_order_suites(settings, con)
    return suites


def declared_libraries(settings: Settings) -> set[str]:
    """Libraries that have checks declared: every library with a dbt model (accessibility)."""
    declared = read_declaration(settings, "libraries.yaml")
    if not declared.get("accessibility") and not declared.get("by_column"):
        return set()
    return {m.library for m in library_models(settings).values() if m.library}
