"""Where a source's raw rows are stored: one table per loaded batch, one view over them.

`raw.<source>` is what everything downstream reads (staging, the checks, auditors): a view with
every contract column as text and the lineage columns. Behind it, in schema `raw_batches`:

- `raw_batches."<source>"`, the source's base table: its shape (the contract's columns, even
  before any delivery) and the rows of batches folded into it (see `fold_batches`);
- `raw_batches."<source>/<batch_id>"`, one table per loaded batch, created in the transaction
  that loads the file.

Why a table per batch: DuckDB compresses a new table's rows once, as they are written. Rows
appended to one shared table are compressed into part-filled row groups per file and then
compressed again by every checkpoint's vacuum that merges them (measured on the county's monthly
deliveries: the checkpoints cost as much as the writing), or, for files of fewer rows than a row
group, written to the WAL first and compressed at the checkpoint. A redelivery drops the table
of the batch it replaces instead of deleting rows from a shared one.

A batch table stores the contract columns, `_line` and `_extras`. The lineage that is one value
for the whole batch (`_batch_id`, `_file`, `_sha256`, `_delivery_date`) comes from the view:
the batch id, hash and delivery date as literals (a hex id, a hex digest, an ISO date: checked
before they are written into the definition), the file path from the batch's ledger row (a file
name is delivered text, so it never becomes SQL). Stored as columns, these four cost DuckDB a
fifth of the ingest's writing (measured: a dictionary analysis of 122,880 equal strings per row
group and column).

The view is rebuilt, in the same transaction, whenever a batch table appears or goes; its
definition lists the tables the catalog holds for the source, so it is right whatever the
history of the warehouse. `union all by name` lets a batch loaded under an older contract
(fewer columns) stand beside newer ones: its missing columns read as null.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

import duckdb

from pipelines.contracts import SourceContract
from pipelines.ingest._ledger import LINEAGE_COLUMNS, quote

BATCH_SCHEMA = "raw_batches"
# Batch tables a source may have before the ingest folds them into its base table: every query
# of the view binds each of them (a few milliseconds apiece), and a source delivered daily for
# years would otherwise make every staging query pay for thousands.
MAX_BATCH_TABLES = 64


def raw_table_name(contract: SourceContract) -> str:
    """The view downstream reads: `raw."<source>"`."""
    return f"raw.{quote(contract.source)}"


def base_table_name(contract: SourceContract) -> str:
    return f"{BATCH_SCHEMA}.{quote(contract.source)}"


def _batch_table(contract: SourceContract, batch_id: str) -> str:
    return f"{contract.source}/{batch_id}"


def batch_table_name(contract: SourceContract, batch_id: str) -> str:
    return f"{BATCH_SCHEMA}.{quote(_batch_table(contract, batch_id))}"


# Lineage the view supplies per batch (one value for all its rows); the rest is stored.
PER_BATCH = ("_batch_id", "_file", "_sha256", "_delivery_date")
STORED_LINEAGE = tuple(name for name, _ in LINEAGE_COLUMNS if name not in PER_BATCH)
_HEX = re.compile(r"[0-9a-f]+")


def _column_ddl(contract: SourceContract) -> list[tuple[str, str]]:
    return [(c.name_zh, "varchar") for c in contract.columns] + list(LINEAGE_COLUMNS)


def stored_columns(contract: SourceContract) -> list[str]:
    """The columns a batch table stores, in order."""
    return [c.name_zh for c in contract.columns] + list(STORED_LINEAGE)


def create_batch_table(con: duckdb.DuckDBPyConnection, contract: SourceContract, batch_id: str) -> None:
    """The table a file's rows go to (in the file's transaction; a rollback removes it)."""
    kinds = dict(_column_ddl(contract))
    body = ", ".join(f"{quote(name)} {kinds[name]}" for name in stored_columns(contract))
    con.execute(f"create table if not exists {batch_table_name(contract, batch_id)} ({body})")


def raw_columns(con: duckdb.DuckDBPyConnection) -> dict[str, set[str]]:
    """Columns of every source's base table."""
    present: dict[str, set[str]] = {}
    for table, column in con.execute(
        "select table_name, column_name from duckdb_columns() where schema_name = ? "
        "and database_name = current_database() and not contains(table_name, '/')",
        [BATCH_SCHEMA],
    ).fetchall():
        present.setdefault(table, set()).add(column)
    return present


def ensure_raw_table(
    con: duckdb.DuckDBPyConnection,
    contract: SourceContract,
    present: dict[str, set[str]] | None = None,
) -> None:
    """Make `raw.<source>` readable for the contract: its base table (every contract column as
    text, then the lineage columns), with any column a grown contract added, and the view. The
    shape comes from the contract, never from a delivered header.

    A warehouse from before batch tables has `raw.<source>` as a table: its rows move into the
    base table once, and the view takes its name.

    Args:
        con: a writable warehouse connection.
        contract: the source contract.
        present: `raw_columns(con)` when the caller ensures many tables at once.
    """
    present = raw_columns(con) if present is None else present
    con.execute("create schema if not exists raw")
    con.execute(f"create schema if not exists {BATCH_SCHEMA}")
    changed = _adopt_old_table(con, contract)
    existing = None if changed else present.get(contract.source)
    if existing is None:
        existing = _columns_of(con, BATCH_SCHEMA, contract.source)
    if not existing:
        body = ",\n    ".join(f"{quote(name)} {kind}" for name, kind in _column_ddl(contract))
        con.execute(f"create table if not exists {base_table_name(contract)} (\n    {body}\n)")
        changed = True
    else:
        for name, kind in _column_ddl(contract):
            if name not in existing:
                kind = kind.replace(" not null", "")
                con.execute(f"alter table {base_table_name(contract)} add column {quote(name)} {kind}")
                changed = True
    if changed or not _columns_of(con, "raw", contract.source):
        refresh_view(con, contract)


def _columns_of(con: duckdb.DuckDBPyConnection, schema: str, name: str) -> set[str]:
    return {
        c for (c,) in con.execute(
            "select column_name from duckdb_columns() where schema_name = ? and table_name = ? "
            "and database_name = current_database()",
            [schema, name],
        ).fetchall()
    }


def _adopt_old_table(con: duckdb.DuckDBPyConnection, contract: SourceContract) -> bool:
    """Move a pre-batch-table `raw.<source>` table's rows into the base table. True if it did."""
    (kind,) = con.execute(
        "select coalesce(any_value(table_type), '') from information_schema.tables "
        "where table_catalog = current_database() and table_schema = 'raw' and table_name = ?",
        [contract.source],
    ).fetchone()  # type: ignore[misc]
    if kind != "BASE TABLE":
        return False
    con.execute(f"create table {base_table_name(contract)} as select * from {raw_table_name(contract)}")
    con.execute(f"drop table {raw_table_name(contract)}")
    return True


@dataclass(frozen=True)
class Batch:
    """A batch table and the per-batch lineage its rows get in the view."""

    table: str  # name within `raw_batches`
    batch_id: str
    sha256: str | None
    delivery_date: date | None

    @classmethod
    def of(cls, contract: SourceContract, batch_id: str, sha256: str | None, delivery_date: date | None) -> Batch:
        return cls(_batch_table(contract, batch_id), batch_id, sha256, delivery_date)


def batch_tables(con: duckdb.DuckDBPyConnection, contract: SourceContract) -> list[Batch]:
    """The source's batch tables, in loading order (the ledger's sequence of the batch; any the
    ledger does not know last, by name), with their lineage from the ledger."""
    (ledger,) = con.execute(
        "select count(*) from duckdb_tables() where database_name = current_database() "
        "and schema_name = 'raw' and table_name = 'ingest_ledger'"
    ).fetchone()  # type: ignore[misc]
    known = (
        "left join (select batch_id, min(seq) as seq, any_value(sha256) as sha256, "
        "any_value(delivery_date) as delivery_date from raw.ingest_ledger "
        "where status in ('loaded', 'replaced') group by batch_id) l "
        "on l.batch_id = substr(t.table_name, length($prefix) + 1) "
        if ledger else "left join (select null as seq, null as sha256, null::date as delivery_date) l on true "
    )
    return [
        Batch.of(contract, name[len(contract.source) + 1:], sha256, delivered)
        for name, sha256, delivered in con.execute(
            f"select t.table_name, l.sha256, l.delivery_date from duckdb_tables() t {known}"
            "where t.database_name = current_database() and t.schema_name = $schema "
            "and starts_with(t.table_name, $prefix) order by l.seq nulls last, t.table_name",
            {"prefix": contract.source + "/", "schema": BATCH_SCHEMA},
        ).fetchall()
    ]


def _batch_select(batch: Batch) -> str:
    """One batch's rows with its per-batch lineage. Only checked hex text and an ISO date are
    written into the SQL; the file path is read from the ledger at query time."""
    if not _HEX.fullmatch(batch.batch_id) or not (batch.sha256 is None or _HEX.fullmatch(batch.sha256)):
        raise ValueError(f"unexpected batch table {batch.table!r} in {BATCH_SCHEMA}")
    sha256 = f"'{batch.sha256}'" if batch.sha256 else "null"
    delivered = f"date '{batch.delivery_date.isoformat()}'" if batch.delivery_date else "null::date"
    file = (
        "(select any_value(file) from raw.ingest_ledger "
        f"where batch_id = '{batch.batch_id}' and status in ('loaded', 'replaced'))"
    )
    return (
        f"select *, '{batch.batch_id}' as _batch_id, {file} as _file, {sha256} as _sha256, "
        f"{delivered} as _delivery_date from {BATCH_SCHEMA}.{quote(batch.table)}"
    )


def refresh_view(
    con: duckdb.DuckDBPyConnection, contract: SourceContract, batches: list[Batch] | None = None
) -> None:
    """(Re)define `raw.<source>` over the base table and the source's batch tables (`batches`,
    default: those the catalog holds). In a loading transaction, call it after the batch's
    ledger row is written."""
    batches = batch_tables(con, contract) if batches is None else batches
    parts = [f"select * from {base_table_name(contract)}"] + [_batch_select(b) for b in batches]
    con.execute(f"create or replace view {raw_table_name(contract)} as " + " union all by name ".join(parts))


class BatchIndex:
    """The batch tables of each source as the loader last committed them: read from the
    catalog once per source and run (a catalog scan per file costs more than its view), then
    kept current by the loader, the only writer, after each commit."""

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self.con = con
        self._known: dict[str, list[Batch]] = {}

    def get(self, contract: SourceContract) -> list[Batch]:
        if contract.source not in self._known:
            self._known[contract.source] = batch_tables(self.con, contract)
        return list(self._known[contract.source])

    def set(self, contract: SourceContract, batches: list[Batch]) -> None:
        self._known[contract.source] = list(batches)


def remove_batch(con: duckdb.DuckDBPyConnection, contract: SourceContract, batch_id: str) -> None:
    """Remove a batch's rows, wherever they are (its own table, or the base table once folded).
    The caller refreshes the view in the same transaction."""
    con.execute(f"drop table if exists {batch_table_name(contract, batch_id)}")
    con.execute(f"delete from {base_table_name(contract)} where _batch_id = ?", [batch_id])


def fold_batches(con: duckdb.DuckDBPyConnection, contract: SourceContract) -> int:
    """When the source has more than `MAX_BATCH_TABLES` batch tables, move the rows of all of
    them into the base table, in one transaction, and return how many were folded (0 when
    none). Their rows are compressed a second time there: this happens once per
    `MAX_BATCH_TABLES` deliveries of a source, not on every load."""
    batches = batch_tables(con, contract)
    if len(batches) <= MAX_BATCH_TABLES:
        return 0
    con.begin()
    try:
        for batch in batches:
            con.execute(f"insert into {base_table_name(contract)} by name {_batch_select(batch)}")
            con.execute(f"drop table {BATCH_SCHEMA}.{quote(batch.table)}")
        refresh_view(con, contract)
        con.commit()
    except BaseException:
        con.rollback()
        raise
    return len(batches)
