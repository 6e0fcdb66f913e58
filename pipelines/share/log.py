"""`catalog.share_log`: append-only, hash-chained. Every decision and every package written or
removed is an entry holding the SHA-256 of the entry before it, so an entry edited, removed or
inserted afterwards breaks the chain from there on, and a log rewritten as a whole no longer ends
in the head auditors were given (the run's report prints it)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import duckdb

from pipelines.warehouse import table_exists, utc_now

GENESIS = "0" * 64
LOG_TABLE = "catalog.share_log"
_DDL = f"""
create table if not exists {LOG_TABLE} (
    seq bigint not null,
    run_id varchar not null,
    as_of date not null,
    recorded_at timestamp not null,
    event varchar not null,
    request_id varchar not null,
    consumer varchar,
    provider varchar,
    resource_code varchar,
    detail varchar not null,
    prev_hash varchar not null,
    entry_hash varchar not null
)
"""
COLUMNS = ("seq", "run_id", "as_of", "recorded_at", "event", "request_id", "consumer", "provider",
           "resource_code", "detail", "prev_hash", "entry_hash")


@dataclass(frozen=True)
class Entry:
    event: str  # decision, package_written, package_removed
    request_id: str
    consumer: str | None
    provider: str | None
    resource_code: str | None
    detail: dict[str, Any]


def _text(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date | datetime) else value


def entry_hash(row: Sequence[Any]) -> str:
    """SHA-256 of an entry's fields (all but its own hash), in a canonical JSON form."""
    payload = json.dumps([_text(v) for v in row[: len(COLUMNS) - 1]], ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def ensure_log(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("create schema if not exists catalog")
    con.execute(_DDL)


def head(con: duckdb.DuckDBPyConnection) -> tuple[int, str] | None:
    """(seq, entry_hash) of the log's last entry, or None for an empty or missing log."""
    if not table_exists(con, LOG_TABLE):
        return None
    row = con.execute(f"select seq, entry_hash from {LOG_TABLE} order by seq desc limit 1").fetchone()
    return (int(row[0]), str(row[1])) if row else None


def append(con: duckdb.DuckDBPyConnection, entries: Sequence[Entry], run_id: str, as_of: date) -> tuple[int, str] | None:
    """Append entries after the current head; returns the new head."""
    ensure_log(con)
    last = head(con)
    seq, prev = last if last else (0, GENESIS)
    rows = []
    for entry in entries:
        seq += 1
        row: list[Any] = [seq, run_id, as_of, utc_now(), entry.event, entry.request_id, entry.consumer,
                          entry.provider, entry.resource_code,
                          json.dumps(entry.detail, ensure_ascii=False, sort_keys=True, default=str), prev]
        digest = entry_hash(row)
        rows.append([*row, digest])
        prev = digest
    if rows:
        con.executemany(f"insert into {LOG_TABLE} values ({', '.join('?' * len(COLUMNS))})", rows)
    return (seq, prev) if rows else last


def verify_chain(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Every break of the chain, first one first (empty when it is intact)."""
    if not table_exists(con, LOG_TABLE):
        return []
    problems = []
    prev, expected_seq = GENESIS, 1
    for row in con.execute(f"select {', '.join(COLUMNS)} from {LOG_TABLE} order by seq").fetchall():
        seq = row[0]
        if seq != expected_seq:
            problems.append(f"share_log entry {seq}: expected entry {expected_seq} (an entry was removed or inserted)")
        if row[-2] != prev:
            problems.append(f"share_log entry {seq}: prev_hash does not match the entry before it")
        if entry_hash(row) != row[-1]:
            problems.append(f"share_log entry {seq}: its contents do not match its hash (edited)")
        prev, expected_seq = row[-1], seq + 1
    return problems


def contains(con: duckdb.DuckDBPyConnection, digest: str) -> bool:
    if not table_exists(con, LOG_TABLE):
        return False
    return bool(con.execute(f"select count(*) from {LOG_TABLE} where entry_hash = ?", [digest]).fetchone()[0])  # type: ignore[index]
