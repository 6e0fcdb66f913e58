"""Is there anything new to ingest? The scheduled chain's first, cheap question.

Hashing every delivered file to find out would cost as much as reading them, so a file counts as
new or changed when the ledger has never seen its path, saw it with another size, finished with
it before the file was last modified, or deferred it (delivered after the as-of date) and the
as-of date has since reached its delivery date. A file that changed without changing its size or
modification time (a copy that preserves times) is not seen here: a manual run still reads it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from pipelines.ingest._landing import walk_landing
from pipelines.settings import Settings
from pipelines.warehouse import connect, table_exists


@dataclass(frozen=True)
class PendingDelivery:
    """A delivered file the chain has not yet handled as it is, and why."""

    file: str
    reason: str


def pending_deliveries(settings: Settings) -> list[PendingDelivery]:
    """The landing folder's files that are new or changed since the ledger last handled them,
    and every file when the last chain that ingested did not reach its end (so the next scheduled
    run finishes what a failed one left)."""
    root = settings.landing_path
    if not root.is_dir():
        return []
    seen = _ledger_view(settings)
    unfinished = _unfinished_chain(settings)
    pending: list[PendingDelivery] = []
    if unfinished:
        pending.append(PendingDelivery("*", f"the last run ({unfinished}) did not finish"))
    for delivered in walk_landing(root):
        stat = delivered.path.stat()
        modified = datetime.fromtimestamp(stat.st_mtime, UTC).replace(tzinfo=None)
        last = seen.get(delivered.rel)
        if last is None:
            pending.append(PendingDelivery(delivered.rel, "new file"))
        elif last.size is not None and last.size != stat.st_size:
            pending.append(PendingDelivery(delivered.rel, "size changed"))
        elif modified > last.finished_at:
            pending.append(PendingDelivery(delivered.rel, "modified after it was last read"))
        elif last.deferred and delivered.delivery_date is not None and delivered.delivery_date <= settings.as_of:
            pending.append(PendingDelivery(delivered.rel, f"deferred delivery now due ({delivered.delivery_date})"))
    return pending


@dataclass(frozen=True)
class _Seen:
    size: int | None
    finished_at: datetime
    deferred: bool


def _ledger_view(settings: Settings) -> dict[str, _Seen]:
    """The latest ledger attempt of every file: its size, when it finished, whether deferred."""
    if not settings.warehouse_path.exists():
        return {}
    with connect(settings, read_only=True) as con:
        if not table_exists(con, "raw.ingest_ledger"):
            return {}
        rows = con.execute(
            """
            select file, size_bytes, finished_at, status = 'deferred'
            from raw.ingest_ledger
            qualify row_number() over (partition by file order by seq desc) = 1
            """
        ).fetchall()
    return {file: _Seen(size, finished, bool(deferred)) for file, size, finished, deferred in rows}


FINAL_STAGE = "report"
"""The chain's last stage: a chain that ingested and reached it successfully is finished."""


def _unfinished_chain(settings: Settings) -> str | None:
    """The run id of the latest chain that ingested but did not finish its last stage, if any."""
    if not settings.warehouse_path.exists():
        return None
    with connect(settings, read_only=True) as con:
        columns = con.execute(
            "select column_name from information_schema.columns where table_schema = 'meta' and table_name = 'runs'"
        ).fetchall()
        if ("chain_run_id",) not in columns:
            return None  # a warehouse from before chain run ids: nothing to tell
        row = con.execute(
            """
            with latest as (
                select chain_run_id from meta.runs where stage = 'ingest' and chain_run_id is not null
                order by started_at desc limit 1
            )
            select latest.chain_run_id,
                   exists (select 1 from meta.runs r where r.chain_run_id = latest.chain_run_id
                           and r.stage = ? and r.outcome = 'success')
            from latest
            """,
            [FINAL_STAGE],
        ).fetchone()
    if row is None or row[1]:
        return None
    return str(row[0])
