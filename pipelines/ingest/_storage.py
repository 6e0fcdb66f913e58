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

The view is rebuilt, in the same transaction, whenever a batch table appears or goes; its
definition lists the tables the catalog holds for the source, so it is right whatever the
history of the warehouse. `union all by name` lets a batch loaded under an older contract
(fewer columns) stand beside newer ones: its missing columns read as null.
"""

from __future__ import annotations

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


def batch_table_name(contract: SourceContract, batch_id: str) -> str:
    return f"{BATCH_SCHEMA}.{quote(contract.source + '/' + batch_id)}"


def _column_ddl(contract: SourceContract) -> list[tuple[str, str]]:
    return [(c.name_zh, "varchar") for c in contract.columns] + list(LINEAGE_COLUMNS)


def create_batch_table(con: duckdb.DuckDBPyConnection, contract: SourceContract, batch_id: str) -> None:
    """The table a file's rows go to (in the file's transaction; a rollback removes it)."""
    body = ", ".join(f"{quote(name)} {kind}" for name, kind in _column_ddl(contract))
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


def batch_tables(con: duckdb.DuckDBPyConnection, contract: SourceContract) -> list[str]:
    """Names (within `raw_batches`) of the source's batch tables, in loading order (the ledger's
    sequence of the batch; any the ledger does not know last, by name)."""
    (ledger,) = con.execute(
        "select count(*) from duckdb_tables() where database_name = current_database() "
        "and schema_name = 'raw' and table_name = 'ingest_ledger'"
    ).fetchone()  # type: ignore[misc]
    order = (
        "left join (select batch_id, min(seq) as seq from raw.ingest_ledger group by batch_id) l "
        "on l.batch_id = substr(t.table_name, length($prefix) + 1) " if ledger else ""
    )
    return [
        name for (name,) in con.execute(
            f"select t.table_name from duckdb_tables() t {order}"
            "where t.database_name = current_database() and t.schema_name = $schema "
            "and starts_with(t.table_name, $prefix) "
            f"order by {'l.seq nulls last, ' if ledger else ''}t.table_name",
            {"prefix": contract.source + "/", "schema": BATCH_SCHEMA},
        ).fetchall()
    ]


def refresh_view(con: duckdb.DuckDBPyConnection, contract: SourceContract) -> None:
    """(Re)define `raw.<source>` over the base table and every batch table of the source."""
    parts = [f"select * from {base_table_name(contract)}"] + [
        f"select * from {BATCH_SCHEMA}.{quote(name)}" for name in batch_tables(con, contract)
    ]
    con.execute(f"create or replace view {raw_table_name(contract)} as " + " union all by name ".join(parts))


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
    names = batch_tables(con, contract)
    if len(names) <= MAX_BATCH_TABLES:
        return 0
    con.begin()
    try:
        for name in names:
            con.execute(f"insert into {base_table_name(contract)} by name select * from {BATCH_SCHEMA}.{quote(name)}")
            con.execute(f"drop table {BATCH_SCHEMA}.{quote(name)}")
        refresh_view(con, contract)
        con.commit()
    except BaseException:
        con.rollback()
        raise
    return len(names)
