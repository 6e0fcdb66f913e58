"""The ingest's tables and its memory: `raw.ingest_ledger`, `raw.quarantine`, `raw.<source>`.

The ledger is append-only: one row per file per attempt. Everything the ingest needs to decide
what to do with a file is derived from it: whether these bytes at this path were handled already
(skip), which batches are current (loaded or replaced, and not replaced since), which batch holds
a slot (so a redelivery replaces it), whether the same bytes are loaded elsewhere (duplicate).
"""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass, fields
from datetime import date, datetime

import duckdb

from pipelines.contracts import SourceContract
from pipelines.ingest._landing import rank_of, slot_of

LINEAGE_COLUMNS = (
    ("_batch_id", "varchar not null"),
    ("_file", "varchar not null"),
    ("_sha256", "varchar not null"),
    ("_line", "varchar not null"),
    ("_delivery_date", "date"),
    ("_extras", "varchar"),
)

LEDGER_DDL = """
create table if not exists raw.ingest_ledger (
    seq bigint not null,
    file varchar not null,
    sha256 varchar,
    department varchar,
    source_table varchar,
    delivery_date date,
    batch_id varchar,
    status varchar not null,
    replaces_batch_id varchar,
    rows_read bigint not null,
    rows_loaded bigint not null,
    rows_quarantined bigint not null,
    rows_rejected bigint not null,
    reason varchar,
    notes varchar,
    format varchar,
    encoding varchar,
    size_bytes bigint,
    started_at timestamp not null,
    finished_at timestamp not null
)
"""

QUARANTINE_DDL = """
create table if not exists raw.quarantine (
    batch_id varchar not null,
    department varchar not null,
    source_table varchar not null,
    file varchar not null,
    line varchar not null,
    "column" varchar,
    reason varchar not null,
    raw varchar
)
"""

LOADED = ("loaded", "replaced")


def quote(identifier: str) -> str:
    """A SQL identifier, quoted (contract names only; file content never reaches SQL)."""
    return '"' + identifier.replace('"', '""') + '"'


def raw_table_name(contract: SourceContract) -> str:
    return f"raw.{quote(contract.source)}"


def ensure_tables(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("create schema if not exists raw")
    con.execute(LEDGER_DDL)
    con.execute(QUARANTINE_DDL)


def ensure_raw_table(
    con: duckdb.DuckDBPyConnection,
    contract: SourceContract,
    present: dict[str, set[str]] | None = None,
) -> None:
    """Create `raw.<source>` from the contract (every column as text, then the lineage
    columns), or add the columns a grown contract has and the table lacks. The shape comes from
    the contract, never from a delivered header.

    Args:
        con: a writable warehouse connection.
        contract: the source contract.
        present: `raw_columns(con)` when the caller ensures many tables at once.
    """
    present = raw_columns(con) if present is None else present
    columns = [(c.name_zh, "varchar") for c in contract.columns] + list(LINEAGE_COLUMNS)
    existing = present.get(contract.source)
    if existing is None:
        con.execute("create schema if not exists raw")
        body = ",\n    ".join(f"{quote(name)} {kind}" for name, kind in columns)
        con.execute(f"create table if not exists {raw_table_name(contract)} (\n    {body}\n)")
        return
    for name, kind in columns:
        if name not in existing:
            kind = kind.replace(" not null", "")
            con.execute(f"alter table {raw_table_name(contract)} add column {quote(name)} {kind}")


def raw_columns(con: duckdb.DuckDBPyConnection) -> dict[str, set[str]]:
    """Columns of every table in schema raw."""
    present: dict[str, set[str]] = {}
    for table, column in con.execute(
        "select table_name, column_name from duckdb_columns() where schema_name = 'raw' "
        "and database_name = current_database()"
    ).fetchall():
        present.setdefault(table, set()).add(column)
    return present


@dataclass
class Attempt:
    """One ledger row."""

    seq: int
    file: str
    sha256: str | None
    department: str
    source_table: str | None
    delivery_date: date | None
    batch_id: str | None
    status: str
    replaces_batch_id: str | None
    rows_read: int
    rows_loaded: int
    rows_quarantined: int
    rows_rejected: int
    reason: str | None
    notes: str | None
    format: str | None
    encoding: str | None
    size_bytes: int | None
    started_at: datetime
    finished_at: datetime

    @classmethod
    def columns(cls) -> list[str]:
        return [f.name for f in fields(cls)]

    def values(self) -> list[object]:
        return [getattr(self, name) for name in self.columns()]


def batch_id_for(file: str, sha256: str, earlier: int) -> str:
    """Deterministic: the same landing gives the same batch ids on every rerun. `earlier`
    (attempts of the same path and bytes before) keeps an id unique when a path returns to
    bytes it once had."""
    return hashlib.sha256(f"{file}\n{sha256}\n{earlier}".encode()).hexdigest()[:16]


class LedgerState:
    """What the ledger says, kept current in memory while a run appends to it."""

    def __init__(self, attempts: list[Attempt]) -> None:
        self.latest: dict[str, Attempt] = {}
        self.deferred: dict[str, Attempt] = {}
        self.current: dict[str, Attempt] = {}
        self.tries: Counter[tuple[str, str | None]] = Counter()
        self.next_seq = 1
        for attempt in sorted(attempts, key=lambda a: a.seq):
            self.add(attempt)

    @classmethod
    def load(cls, con: duckdb.DuckDBPyConnection) -> LedgerState:
        names = Attempt.columns()
        rows = con.execute(f"select {', '.join(names)} from raw.ingest_ledger").fetchall()
        return cls([Attempt(*row) for row in rows])

    def copy(self) -> LedgerState:
        """A copy that later `add` calls on either one leave the other unaffected."""
        other = LedgerState([])
        other.latest = dict(self.latest)
        other.deferred = dict(self.deferred)
        other.current = dict(self.current)
        other.tries = Counter(self.tries)
        other.next_seq = self.next_seq
        return other

    def add(self, attempt: Attempt) -> None:
        self.next_seq = max(self.next_seq, attempt.seq + 1)
        self.tries[(attempt.file, attempt.sha256)] += 1
        if attempt.status == "deferred":
            self.deferred[attempt.file] = attempt
            return
        self.latest[attempt.file] = attempt
        if attempt.status in LOADED and attempt.batch_id:
            if attempt.replaces_batch_id:
                self.current.pop(attempt.replaces_batch_id, None)
            self.current[attempt.batch_id] = attempt

    def handled(self, file: str, sha256: str, source: str | None) -> bool:
        """These bytes at this path were dealt with before (the rerun does nothing).

        A file once rejected because no contract matched is tried again when one does now."""
        last = self.latest.get(file)
        if last is None or last.sha256 != sha256:
            return False
        return not (last.source_table is None and source is not None)

    def still_deferred(self, file: str, sha256: str) -> bool:
        last = self.deferred.get(file)
        return last is not None and last.sha256 == sha256

    def loaded_copy(self, source: str, sha256: str) -> Attempt | None:
        """A current batch of the same source with the same bytes."""
        return next(
            (a for a in self.current.values() if a.source_table == source and a.sha256 == sha256),
            None,
        )

    def holder(self, file: str, source: str) -> Attempt | None:
        """The current batch occupying the slot the file would load into."""
        slot = slot_of(file, source)
        return next(
            (a for a in self.current.values()
             if a.source_table == source and slot_of(a.file, source) == slot),
            None,
        )

    def outranks(self, holder: Attempt, file: str) -> bool:
        """The holder is a later correction than the file (the last in name order wins)."""
        return holder.file != file and rank_of(holder.file) > rank_of(file)

    def earlier_tries(self, file: str, sha256: str) -> int:
        return self.tries[(file, sha256)]
