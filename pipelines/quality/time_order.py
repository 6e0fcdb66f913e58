"""Order in time (时序性, GB/T 36344 timeliness), derived from the source contracts.

A contract declares once per date column which parties it is an event of (`event_of`) and which
other dates of the same row it cannot precede (`not_before`); the checks follow from that, so a
new source gets them by declaring its columns:

- a person's event is not before the person's birth: the row's birth date, or, when the row has
  none, the birth date a checksum-valid ID number in the row carries (staging's `is_<id>_valid`);
- an organisation's event is not before its establishment date in the same row (staging), or,
  when the row has none, the establishment date of the resolved organisation in the legal-entity
  library (library stage: the crosswalk exists only after resolution);
- a date is not before the dates of the row it is declared `not_before` (valid-to and valid-from).

An event on the very day of the start is in order (a birth registered the day of the birth, a
licence issued on the day the company was established). A month column (`202603`) is in order
when any day of its month is: its last day is compared.
"""

from __future__ import annotations

from dataclasses import dataclass

from pipelines.contracts import ColumnType, SourceContract
from pipelines.quality.declarations import quote

# Derived frame columns, named for the auditor reading dq.failures: the latest start of the
# parties a date is an event of (by their kind), a month column's last day, and the registry's
# establishment date of the resolved organisation.
START_PREFIX = {"person": "born__", "org": "established__"}
EVENT_PREFIX = "month_end__"
REGISTRY_PREFIX = "registry_established__"
DATE_TYPES = (ColumnType.DATE, ColumnType.TIMESTAMP)
MONTH_FORMATS = ("%Y%m", "%Y-%m", "%Y/%m", "%Y年%m月", "%Y.%m")


def month_start(expr: str) -> str:
    """SQL: the first day of a month written 202603, 2026-03, 2026/03 or 2026年3月."""
    text = f"trim(cast({expr} as varchar))"
    return "cast(coalesce(" + ", ".join(f"try_strptime({text}, '{f}')" for f in MONTH_FORMATS) + ") as date)"


@dataclass(frozen=True)
class EventCheck:
    """One date column checked against the start of the parties of one kind it is an event of."""

    column: str  # the contract column (what dq.failures names)
    kind: str  # "person" | "org"
    roles: tuple[str, ...]
    event: str  # frame column holding the event's date (the column itself, or its month's end)
    start: str  # frame column holding the start it must not precede
    select: tuple[str, ...]  # SQL select items adding the derived frame columns


def event_sql(contract: SourceContract, column: str, alias: str = "c") -> tuple[str, str | None]:
    """(frame column, SQL defining it or None when the column itself is a date) of an event."""
    col = contract.column(column)
    if col.type in DATE_TYPES:
        return column, None
    return EVENT_PREFIX + column, f"last_day({month_start(f'{alias}.{quote(column)}')})"


def person_start_sql(contract: SourceContract, role: str, staged: set[str], alias: str = "c") -> str | None:
    """SQL: a person party's birth date in the row, else the one a valid ID number carries."""
    fields = contract.party(role).fields
    parts = []
    birth = fields.get("birth_date")
    if birth and birth in staged:
        parts.append(f"cast({alias}.{quote(birth)} as date)")
    number = fields.get("id_number")
    flag = f"is_{number}_valid"
    if number and number in staged and flag in staged:
        parts.append(
            f"case when {alias}.{quote(flag)} and length({alias}.{quote(number)}) = 18 "
            f"then cast(try_strptime(substr({alias}.{quote(number)}, 7, 8), '%Y%m%d') as date) end"
        )
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else f"coalesce({', '.join(parts)})"


def org_start_sql(contract: SourceContract, role: str, staged: set[str], alias: str = "c") -> str | None:
    """SQL: an organisation party's establishment date in the row (None when the row has none)."""
    established = contract.party(role).fields.get("established")
    if established and established in staged:
        return f"cast({alias}.{quote(established)} as date)"
    return None


def _latest(parts: list[str]) -> str:
    """SQL: the latest of several dates, ignoring missing ones (NULL when all are missing)."""
    return parts[0] if len(parts) == 1 else f"greatest({', '.join(parts)})"


def event_checks(contract: SourceContract, staged: set[str]) -> list[EventCheck]:
    """The staging checks of the contract's event dates: per column and party kind, the event
    against the latest start of those parties the row itself dates."""
    checks = []
    for col in contract.columns:
        if not col.event_of or col.name not in staged:
            continue
        event, event_def = event_sql(contract, col.name)
        for kind, start_of in (("person", person_start_sql), ("org", org_start_sql)):
            roles = tuple(r for r in col.event_of if contract.party(r).kind == kind)
            starts = [s for s in (start_of(contract, r, staged) for r in roles) if s is not None]
            if not starts:
                continue
            start = START_PREFIX[kind] + col.name
            select = [f"{_latest(starts)} as {quote(start)}"]
            if event_def is not None:
                select.append(f"{event_def} as {quote(event)}")
            checks.append(EventCheck(col.name, kind, roles, event, start, tuple(select)))
    return checks


def within_row_pairs(contract: SourceContract, staged: set[str]) -> list[tuple[str, str]]:
    """(earlier, later) date columns of one row, from the contract's `not_before` declarations."""
    return [
        (earlier, col.name)
        for col in contract.columns
        for earlier in col.not_before
        if col.name in staged and earlier in staged
    ]


@dataclass(frozen=True)
class RegistryCheck:
    """An organisation's event dates checked against the legal-entity library's establishment date
    of the organisation the row's party resolved to, where the row itself has none."""

    contract: SourceContract
    columns: tuple[tuple[str, str, str], ...]  # (contract column, event frame column, start frame column)
    query: str


def registry_check(
    contract: SourceContract, staged: set[str], xref: str, registry: str, entity_id: str, established: str
) -> RegistryCheck | None:
    """The library-stage check of a source, or None when none of its org events needs the registry.

    Only rows where every organisation the date is an event of lacks an establishment date in the
    row itself are checked here (the others are the staging check's)."""
    table = f"staging.stg_{contract.source}"
    joins: dict[str, str] = {}
    select: list[str] = []
    columns = []
    for col in contract.columns:
        if not col.event_of or col.name not in staged:
            continue
        roles = [r for r in col.event_of if contract.party(r).kind == "org"]
        if not roles or any(org_start_sql(contract, r, staged) is not None for r in roles):
            continue
        for role in roles:
            if role not in joins:
                n = len(joins)
                joins[role] = (
                    f"left join {xref} x{n} on x{n}.source = '{contract.source}' "
                    f"and x{n}.record_id = c.row_id || '#{role}' "
                    f"left join {registry} o{n} on o{n}.{quote(entity_id)} = x{n}.{quote(entity_id)}"
                )
        starts = [f"cast(o{list(joins).index(r)}.{quote(established)} as date)" for r in roles]
        event, event_def = event_sql(contract, col.name)
        start = REGISTRY_PREFIX + col.name
        select.append(f"{_latest(starts)} as {quote(start)}")
        select.append(f"{event_def or 'cast(c.' + quote(col.name) + ' as date)'} as {quote(event)}")
        columns.append((col.name, event, start))
    if not columns:
        return None
    query = (
        f"select c.row_id, c.source_file, cast(c.source_line as varchar) as source_line, "
        f"{', '.join(select)} from {table} c {' '.join(joins.values())} where c.is_current"
    )
    return RegistryCheck(contract, tuple(columns), query)
