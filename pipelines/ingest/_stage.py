"""The ingest stage: walk the landing folder, decide each file's fate, load it in one transaction.

Each file is loaded in one transaction together with its ledger row (and, for a redelivery,
the deletion of the batch it replaces), so a run killed at any moment leaves the warehouse as if
the interrupted file had never been started; the next run skips what the ledger already records
for the same path and bytes and carries on. Batch ids are derived from path and bytes, so a
rerun on the same landing gives the same warehouse apart from the ledger's timestamps.

The transaction is shared by a department's consecutive files (up to `TRANSACTION_ROWS`), so
that a source's monthly files are appended to its raw table as one stream: DuckDB then writes
whole row groups once, instead of compressing each file's last, part-filled row group at its
commit and again when a checkpoint merges them (measured: 58 county CSV files 11.3 s instead of
14.4 s). A file that is given up half-way (a fast path handing over to the careful one, a file
rejected late) has its rows deleted by batch id inside the transaction, which undoes its part
of it exactly; a kill or a failure loses the whole open transaction, files and ledger rows
together, and the next run loads them again.

Only this thread writes. A reader thread (`_readahead`) hashes, opens and parses the files ahead
of it, so parsing and DuckDB's writing overlap on two cores, also across file boundaries; DuckDB
itself runs on one thread while loading (see INGEST_THREADS) and gets its threads back for the
checkpoints between departments and at the end.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from pathlib import Path, PurePosixPath

import duckdb
import polars as pl
import pyarrow as pa
from polars import CompatLevel

from pipelines import contracts as registry
from pipelines.contracts import SourceContract
from pipelines.errors import GovdataError
from pipelines.ingest._errors import FallBack, FileRejected
from pipelines.ingest._landing import department_folders, walk_landing
from pipelines.ingest._ledger import (
    Attempt,
    LedgerState,
    batch_id_for,
    ensure_raw_table,
    ensure_tables,
    quote,
    raw_columns,
    raw_table_name,
)
from pipelines.ingest._readahead import Prepared, ReadAhead
from pipelines.ingest._rows import Chunk
from pipelines.ingest._sources import guarded, open_source, prefetched
from pipelines.ingest._summary import FileOutcome, IngestSummary
from pipelines.settings import Settings
from pipelines import progress
from pipelines.warehouse import connect, record_stage

NO_CONTRACT = "no source contract matches"
_SWAP_EXTENSIONS = (".csv", ".xlsx", ".json", ".jsonl", ".geojson", ".txt", ".tsv")
# DuckDB's share of memory while loading; the readers stream in bounded chunks beside it.
MEMORY_LIMIT = "1536MB"
ARROW_BATCH_ROWS = 16_384
# Rows gathered before one INSERT. DuckDB buffers inserted rows in the transaction and compresses
# them in whole row groups (when several are buffered, and at commit), so the size of a statement
# barely matters; a CSV chunk is inserted as it arrives, small JSON and XLSX chunks in groups.
INSERT_ROWS = 100_000
# Rows a transaction collects before it commits at the next file boundary: bounds what a kill
# or a failure throws away (the rerun reloads it) and what the open transaction holds, while
# keeping a department's files, at county scale, in one stream per raw table. DuckDB compresses
# a transaction's rows in whole row groups as they fill and keeps them in its buffer pool
# (spilling beyond MEMORY_LIMIT): 6 M rows in 12 files peaked at 2.5 GB, as one file at 2.7 GB.
TRANSACTION_ROWS = 4_000_000
CHECKPOINT_THRESHOLD = "1GB"
# DuckDB threads while ingesting. An INSERT from Arrow compresses its row groups on one thread
# whatever the setting; with more threads the calling thread only spins waiting for it (measured:
# twice the CPU for the same wall time, slower on a busy machine). The second core goes to the
# reader thread instead, which parses the next chunk while DuckDB writes this one.
INGEST_THREADS = 1


def list_departments(settings: Settings, landing: Path | None = None) -> list[str]:
    """Department folders present in the landing folder (one mapped Airflow task each)."""
    return department_folders(Path(landing) if landing else settings.landing_path)


def ingest(
    settings: Settings, landing: Path | None = None, departments: list[str] | None = None
) -> IngestSummary:
    """Load every delivered file of the landing folder (or of the named departments) into
    `raw.*`, recording each attempt in `raw.ingest_ledger` and bad rows in `raw.quarantine`.

    Args:
        settings: run settings (warehouse, landing folder, as-of date).
        landing: landing folder to read instead of the settings' one.
        departments: only these department folders (default: all).

    Returns:
        What happened to every file, with per-department counts.
    """
    root = (Path(landing) if landing else settings.landing_path).resolve()
    if not root.is_dir():
        raise GovdataError(f"landing folder {root} does not exist")
    files = walk_landing(root, departments)
    summary = IngestSummary(landing=str(root), warehouse=str(settings.warehouse_path))
    with record_stage("ingest", settings) as run:
        con = connect(settings)
        restore = _settings(con, ("memory_limit", "threads"))
        finished = False
        try:
            con.execute(f"set memory_limit = '{MEMORY_LIMIT}'")
            con.execute(f"set threads = {INGEST_THREADS}")
            con.execute("set enable_progress_bar = false")
            # Fewer, larger checkpoints: each one recompresses what small files left in the WAL.
            con.execute(f"set checkpoint_threshold = '{CHECKPOINT_THRESHOLD}'")
            con.begin()  # one commit for all the DDL
            ensure_tables(con)
            present = raw_columns(con)
            for contract in _contracts(departments):
                ensure_raw_table(con, contract, present)
            con.commit()
            state = LedgerState.load(con)
            transaction = _Transaction(con)
            with ReadAhead(files, state, settings.as_of, match) as ahead:
                department = None
                label = "ingest " + ", ".join(departments) if departments else "ingest"
                for number, prepared in enumerate(ahead, start=1):
                    if department not in (None, prepared.delivered.department):
                        transaction.commit()
                        _checkpoint(con, int(restore["threads"]))
                    elif transaction.rows >= TRANSACTION_ROWS:
                        transaction.commit()
                    department = prepared.delivered.department
                    transaction.open()
                    outcome = _process(con, state, prepared, settings.as_of)
                    transaction.rows += outcome.rows_read
                    summary.outcomes.append(outcome)
                    progress.advance(label, number, len(files), "files")
            transaction.commit()
            finished = True
        finally:
            _finish(con, restore, finished)
        run.rows_in = summary.rows_read
        run.rows_out = summary.rows_loaded
        run.message = summary.message()
        _emit_lineage(settings, root, summary, run.chain_run_id)
    return summary


def _emit_lineage(settings: Settings, root: Path, summary: IngestSummary, chain_run_id: str) -> None:
    """The files this run loaded, and the raw tables they went into (`pipelines.lineage`)."""
    from pipelines import lineage

    loaded = [o for o in summary.outcomes if o.status in ("loaded", "replaced") and o.source_table]
    if not loaded:
        return
    lineage.emit_stage(
        settings,
        "ingest",
        chain_run_id,
        inputs=[lineage.file_dataset(root / o.file) for o in loaded],
        outputs=[lineage.table_dataset(settings, f"raw.{o.source_table}") for o in loaded],
    )


class _Transaction:
    """The loader's open transaction, shared by consecutive files (see the module's docstring)."""

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self.con = con
        self.active = False
        self.rows = 0  # rows read from the files of the open transaction

    def open(self) -> None:
        if not self.active:
            self.con.begin()
            self.active, self.rows = True, 0

    def commit(self) -> None:
        if self.active:
            self.active = False
            self.con.commit()


def _settings(con: duckdb.DuckDBPyConnection, names: tuple[str, ...]) -> dict[str, str]:
    """Current values of DuckDB settings, to restore them after the ingest."""
    return {n: str(con.execute(f"select current_setting('{n}')").fetchone()[0]) for n in names}


def _checkpoint(con: duckdb.DuckDBPyConnection, threads: int) -> None:
    """A checkpoint between departments, on all threads: what the last department's files left
    in the WAL is compressed and their tables' part-filled row groups are merged (see
    `_finish`) while the reader thread already parses the next department, instead of all of
    it at the end when nothing else is left to overlap with."""
    con.execute(f"set threads = {threads}")
    try:
        con.execute("checkpoint")
    except duckdb.Error:
        pass  # another connection of this process is writing: a later checkpoint does it
    finally:
        con.execute(f"set threads = {INGEST_THREADS}")


def _finish(con: duckdb.DuckDBPyConnection, restore: dict[str, str], finished: bool) -> None:
    """Checkpoint and close. After a finished run the checkpoint gets the threads back: it
    compresses what small files left in the WAL and merges the part-filled row groups that
    each large file leaves at the end of its table (DuckDB's vacuum), table by table in
    parallel; then the settings are as they were for whoever shares the database. After a
    failed run the open transaction is rolled back and the connection closed."""
    try:
        if not finished:
            _rollback(con)
        else:
            con.execute(f"set threads = {int(restore['threads'])}")
            con.execute(f"set memory_limit = '{restore['memory_limit']}'")
            try:
                con.execute("checkpoint")
            except duckdb.Error:
                pass  # another connection of this process is writing: its close checkpoints
    finally:
        con.close()


def _contracts(departments: list[str] | None) -> list[SourceContract]:
    if departments is None:
        return list(registry.all_contracts())
    return [c for d in departments for c in registry.contracts_for_department(d)]


def match(department: str, name: str) -> tuple[SourceContract | None, str | None, str | None]:
    """`(contract, rejection reason, note)` for a file name in a department folder.

    The name is tried as delivered, then without correction suffixes (a pattern need not
    foresee `_更正`), then with the extension of another format (content decides the format,
    so `户籍人口.xlsx` still finds the contract whose pattern says `.csv`).
    """
    from pipelines.ingest._landing import split_correction

    candidates = registry.contracts_for_department(department)
    base = split_correction(name)[0]
    variants = [name, base]
    for variant in (name, base):
        stem = PurePosixPath(variant).stem
        variants += [stem + ext for ext in _SWAP_EXTENSIONS]
    for index, variant in enumerate(dict.fromkeys(variants)):
        found = [c for c in candidates if c.matches(variant)]
        if len(found) > 1:
            names = ", ".join(c.source for c in found)
            return None, f"matches several source contracts: {names}", None
        if found:
            note = None
            if index and PurePosixPath(variant).suffix != PurePosixPath(name).suffix:
                note = f"matched {found[0].source} by name with extension {PurePosixPath(variant).suffix}"
            return found[0], None, note
    return None, NO_CONTRACT, None


def _process(
    con: duckdb.DuckDBPyConnection, state: LedgerState, prepared: Prepared, as_of: date
) -> FileOutcome:
    """Decide a file's fate on the live ledger and record it; load it when it is due. A file
    not loaded has whatever the reader parsed ahead for it dropped."""
    outcome, loading = _decide(con, state, prepared, as_of, _now())
    if not loading:
        prepared.discard()
    return outcome()


def _decide(
    con: duckdb.DuckDBPyConnection,
    state: LedgerState,
    prepared: Prepared,
    as_of: date,
    started: datetime,
) -> tuple[Callable[[], FileOutcome], bool]:
    """`(what to do, whether it loads the file)`: the checks in the order the rules rank them."""
    delivered = prepared.delivered
    sha256, contract = prepared.sha256, prepared.contract
    source = contract.source if contract else None
    if state.handled(delivered.rel, sha256, source):
        last = state.latest[delivered.rel]
        return lambda: FileOutcome(delivered.rel, delivered.department, last.source_table,
                                   "unchanged", batch_id=last.batch_id), False
    record = _Recorder(con, state, delivered, sha256, prepared.size, source, started)
    if delivered.problem:
        return lambda: record.outcome("rejected", reason=delivered.problem), False
    assert delivered.delivery_date is not None
    if delivered.delivery_date > as_of:
        if state.still_deferred(delivered.rel, sha256):
            return lambda: FileOutcome(delivered.rel, delivered.department, source,
                                       "unchanged"), False
        reason = f"delivered {delivered.delivery_date}, after the as-of date {as_of}"
        return lambda: record.outcome("deferred", reason=reason), False
    if contract is None:
        return lambda: record.outcome("rejected", reason=prepared.problem), False
    copy = state.loaded_copy(contract.source, sha256)
    if copy is not None:
        reason = f"same bytes as {copy.file} (batch {copy.batch_id})"
        return lambda: record.outcome("duplicate", reason=reason), False
    holder = state.holder(delivered.rel, contract.source)
    if holder is not None and state.outranks(holder, delivered.rel):
        reason = f"superseded by {holder.file}, a later correction in the delivery"
        return lambda: record.outcome("rejected", reason=reason), False
    replaces = holder.batch_id if holder else None
    return lambda: _load(con, record, contract, replaces, prepared.note, prepared), True


def _load(
    con: duckdb.DuckDBPyConnection,
    record: _Recorder,
    contract: SourceContract,
    replaces: str | None,
    note: str | None,
    prepared: Prepared,
) -> FileOutcome:
    """Load a file in one transaction with its ledger row (and the deletion of the batch it
    replaces). Its chunks come from the reader thread when it opened the file ahead, else the
    file is opened here and read ahead chunk by chunk."""
    if prepared.failure is not None:
        return _unreadable(record, prepared.failure)
    source = prepared.source
    ahead = source is not None
    if source is None:
        try:
            source = open_source(record.delivered.path, contract)
        except Exception as exc:  # noqa: BLE001 - a reader that chokes on a file rejects it
            return _unreadable(record, exc)
    record.format, record.encoding = source.format, source.encoding
    readers: list[Callable[[], Iterator[Chunk]]] = (
        [prepared.chunks] * len(source.plans) if ahead
        else [lambda plan=plan: prefetched(guarded(plan())) for plan in source.plans]
    )
    try:
        for read in readers:
            written = False  # whether this attempt has rows in the open transaction
            try:
                loaded = quarantined = 0
                pending: list[Chunk] = []
                for chunk in read():
                    pending.append(chunk)
                    loaded += chunk.good.height
                    quarantined += chunk.bad.height
                    if sum(c.good.height for c in pending) >= INSERT_ROWS:
                        written |= _insert(con, contract, record, pending)
                        pending = []
                written |= _insert(con, contract, record, pending)
            except FallBack:
                if written:
                    _delete_batch(con, contract, record.batch_id)
                continue
            except FileRejected as rejected:
                if written:
                    _delete_batch(con, contract, record.batch_id)
                return record.outcome(
                    "rejected", reason=rejected.reason, rows_read=rejected.rows_read
                )
            if replaces:  # only once the file has been read whole: a rejected one replaces nothing
                _delete_batch(con, contract, replaces)
            notes = "; ".join(n for n in ([note] if note else []) + source.notes)
            return record.outcome(
                "replaced" if replaces else "loaded",
                rows_read=loaded + quarantined,
                rows_loaded=loaded,
                rows_quarantined=quarantined,
                notes=notes or None,
                replaces=replaces,
            )
    finally:
        if not ahead:
            source.close()
    raise AssertionError("the careful path never falls back")  # pragma: no cover


def _delete_batch(con: duckdb.DuckDBPyConnection, contract: SourceContract, batch_id: str) -> None:
    """Remove a batch's rows from its raw table and from quarantine: the batch a redelivery
    replaces, or the part of the open transaction written for a file that was then given up."""
    con.execute(f"delete from {raw_table_name(contract)} where _batch_id = ?", [batch_id])
    con.execute("delete from raw.quarantine where batch_id = ?", [batch_id])


def _unreadable(record: _Recorder, exc: BaseException) -> FileOutcome:
    """The outcome of a file that could not even be opened."""
    if isinstance(exc, FileRejected):
        return record.outcome("rejected", reason=exc.reason, rows_read=exc.rows_read)
    if not isinstance(exc, Exception):
        raise exc
    return record.outcome("rejected", reason=f"could not be read: {type(exc).__name__}: {exc}")


def _insert(
    con: duckdb.DuckDBPyConnection, contract: SourceContract, record: _Recorder,
    chunks: list[Chunk],
) -> bool:
    """Write chunks of rows: the good ones to the raw table, the bad ones to quarantine, with
    lineage from the file's record; whether there was any. File content only ever reaches
    DuckDB as Arrow data."""
    lineage = [record.batch_id, record.delivered.rel, record.sha256, record.delivered.delivery_date]
    good = [c.good for c in chunks if c.good.height]
    if good:
        columns = ", ".join(quote(c.name_zh) for c in contract.columns)
        values = ", ".join(f"nullif({quote(c.name_zh)}, '')" for c in contract.columns)
        con.register("ingest_good_rows", _batched(pl.concat(good, how="vertical", rechunk=False)))
        con.execute(
            f"insert into {raw_table_name(contract)} ({columns}, _batch_id, _file, _sha256, "
            f"_line, _delivery_date, _extras) select {values}, ?, ?, ?, _line, ?, _extras "
            "from ingest_good_rows",
            lineage,
        )
        con.unregister("ingest_good_rows")
    bad = [c.bad for c in chunks if c.bad.height]
    if bad:
        con.register("ingest_bad_rows", _batched(pl.concat(bad, how="vertical")))
        con.execute(
            "insert into raw.quarantine select ?, ?, ?, ?, line, \"column\", reason, raw "
            "from ingest_bad_rows",
            [record.batch_id, record.delivered.department, contract.source, record.delivered.rel],
        )
        con.unregister("ingest_bad_rows")
    return bool(good or bad)


class _Recorder:
    """Writes a file's ledger row and builds its outcome."""

    def __init__(
        self,
        con: duckdb.DuckDBPyConnection,
        state: LedgerState,
        delivered: DeliveredFile,
        sha256: str,
        size: int,
        source: str | None,
        started: datetime,
    ) -> None:
        self.con = con
        self.state = state
        self.delivered = delivered
        self.sha256 = sha256
        self.size = size
        self.source = source
        self.started = started
        self.batch_id = batch_id_for(delivered.rel, sha256, state.earlier_tries(delivered.rel, sha256))
        self.format: str | None = None
        self.encoding: str | None = None

    def outcome(
        self,
        status: str,
        *,
        reason: str | None = None,
        rows_read: int = 0,
        rows_loaded: int = 0,
        rows_quarantined: int = 0,
        notes: str | None = None,
        replaces: str | None = None,
    ) -> FileOutcome:
        """Append the ledger row, in the loader's open transaction."""
        rejected = rows_read if status == "rejected" else 0
        attempt = Attempt(
            seq=self.state.next_seq,
            file=self.delivered.rel,
            sha256=self.sha256,
            department=self.delivered.department,
            source_table=self.source,
            delivery_date=self.delivered.delivery_date,
            batch_id=self.batch_id,
            status=status,
            replaces_batch_id=replaces,
            rows_read=rows_read,
            rows_loaded=rows_loaded,
            rows_quarantined=rows_quarantined,
            rows_rejected=rejected,
            reason=reason,
            notes=notes,
            format=self.format,
            encoding=self.encoding,
            size_bytes=self.size,
            started_at=self.started,
            finished_at=_now(),
        )
        names = Attempt.columns()
        self.con.execute(
            f"insert into raw.ingest_ledger ({', '.join(names)}) "
            f"values ({', '.join('?' for _ in names)})",
            attempt.values(),
        )
        self.state.add(attempt)
        return FileOutcome(
            file=attempt.file,
            department=attempt.department,
            source_table=attempt.source_table,
            status=status,
            rows_read=rows_read,
            rows_loaded=rows_loaded,
            rows_quarantined=rows_quarantined,
            rows_rejected=rejected,
            reason=reason,
            notes=notes,
            batch_id=attempt.batch_id,
            replaces_batch_id=replaces,
        )


def _batched(frame: pl.DataFrame) -> pa.Table:
    """The frame as Arrow without copying its text: Polars keeps strings as views, the layout
    DuckDB's own strings have, and DuckDB takes Arrow string views without converting them
    (a plain Arrow string column would be copied by Polars and converted again by DuckDB).
    Many record batches, so that DuckDB may scan them in parallel when it has threads."""
    table = frame.to_arrow(compat_level=CompatLevel.newest())
    return pa.Table.from_batches(table.to_batches(max_chunksize=ARROW_BATCH_ROWS), table.schema)


def _rollback(con: duckdb.DuckDBPyConnection) -> None:
    """Roll back whatever is open; a failed commit may have closed the transaction already."""
    try:
        con.rollback()
    except duckdb.Error:
        pass


def _now() -> datetime:
    """Wall-clock time: only ever written to the ledger's started_at / finished_at."""
    return datetime.now(UTC).replace(tzinfo=None)
