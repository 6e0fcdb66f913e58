"""Reading ahead across files: the next file is hashed, opened and parsed while DuckDB writes
(and commits) the one before it.

One reader thread walks the delivered files in processing order. For each it computes the
SHA-256 and the contract match, and, when the file may load (judged on the ledger as it was when
the run started), opens it and parses its chunks into a queue bounded in bytes. The loader (the
thread that owns the DuckDB connection) takes the files from the queue in the same order and
decides each file's fate on the live ledger; only it writes. A file the loader decides not to
load after all (a duplicate or a correction that arrived earlier in the same run) has its
parsed chunks drained and dropped; a file the reader did not open but the loader wants (the
ledger changed during the run) is opened by the loader itself. Kill safety is the loader's
alone: reading ahead writes nothing.

Parsing (Polars, the csv module, decoding) and writing (DuckDB, the commit's sync to disk) then
overlap on two cores across file boundaries, not only within a big file.
"""

from __future__ import annotations

import collections
import hashlib
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from pipelines.contracts import SourceContract
from pipelines.errors import ContractError
from pipelines.ingest._errors import FallBack
from pipelines.ingest._landing import DeliveredFile
from pipelines.ingest._ledger import LedgerState
from pipelines.ingest._rows import Chunk
from pipelines.ingest._sources import Source, guarded, open_source

# What the reader may hold ready, by size rather than count: while DuckDB writes a large file
# the reader runs ahead through the small files after it (XLSX, JSON: much parsing, little
# writing), so that the loader does not wait for them later; the budget bounds memory. One
# item is always allowed, however large (a chunk is at most a few tens of megabytes of text).
BUDGET_BYTES = 192 << 20

Matcher = Callable[[str, str], tuple[SourceContract | None, str | None, str | None]]


@dataclass
class Prepared:
    """A delivered file as the reader prepared it for the loader."""

    delivered: DeliveredFile
    sha256: str
    size: int
    contract: SourceContract | None
    problem: str | None
    note: str | None
    source: Source | None = None  # opened by the reader: its chunks follow in the queue
    failure: BaseException | None = None  # opening it failed (FileRejected or another error)
    _stream: _Stream | None = field(default=None, repr=False)

    def chunks(self) -> Iterator[Chunk]:
        """The chunks of the current plan, in order. Raises FallBack when the plan handed over
        to the next one (call again for that plan's chunks), FileRejected or the reader's error
        when reading failed; returns when the plan read the file to its end."""
        assert self._stream is not None and self.source is not None
        while True:
            kind, item = self._stream.take()
            if kind == "chunk":
                yield item  # type: ignore[misc]
            elif kind == "done":
                return
            elif kind == "fallback":
                raise FallBack(str(item))
            else:  # "failed"
                raise item  # type: ignore[misc]

    def discard(self) -> None:
        """Drop whatever the reader still has (or will have) for this file."""
        if self._stream is None or self.source is None:
            return
        while True:
            kind, _ = self._stream.take()
            if kind in ("done", "failed"):
                return
            # "fallback" is followed by the next plan's items: keep draining


class _Stream:
    """The queue between the reader thread and the loader, bounded by `BUDGET_BYTES`."""

    def __init__(self, budget: int = BUDGET_BYTES) -> None:
        self.items: collections.deque[tuple[str, object, int]] = collections.deque()
        self.held = 0
        self.budget = budget
        self.changed = threading.Condition()
        self.stop = threading.Event()

    def put(self, kind: str, item: object) -> bool:
        """Hand an item over; False when the loader has gone away."""
        size = _size(item)
        with self.changed:
            while self.items and self.held + size > self.budget:
                if self.stop.is_set():
                    return False
                self.changed.wait(timeout=0.1)
            if self.stop.is_set():
                return False
            self.items.append((kind, item, size))
            self.held += size
            self.changed.notify_all()
        return True

    def take(self) -> tuple[str, object]:
        with self.changed:
            while not self.items:
                self.changed.wait()
            kind, item, size = self.items.popleft()
            self.held -= size
            self.changed.notify_all()
        if kind == "crashed":
            raise item  # type: ignore[misc]
        return kind, item

    def close(self) -> None:
        """Stop the reader: it finds `stop` set at its next hand-over and returns."""
        with self.changed:
            self.stop.set()
            self.items.clear()
            self.held = 0
            self.changed.notify_all()


def _size(item: object) -> int:
    """Bytes a queued item holds (chunks are what count; markers are free)."""
    if isinstance(item, Chunk):
        return int(item.good.estimated_size() + item.bad.estimated_size())
    return 0


class ReadAhead:
    """Iterate over `Prepared` files in processing order; use as a context manager so the
    reader thread is stopped and joined however the loop ends."""

    def __init__(
        self,
        files: list[DeliveredFile],
        state: LedgerState,
        as_of: date,
        matcher: Matcher,
    ) -> None:
        self.files = files
        self.state = state.copy()  # the reader's own: the loader changes the live one
        self.as_of = as_of
        self.matcher = matcher
        self.stream = _Stream()
        self.thread = threading.Thread(target=self._run, name="ingest-reader", daemon=True)

    def __enter__(self) -> ReadAhead:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stream.close()
        self.thread.join()

    def __iter__(self) -> Iterator[Prepared]:
        for _ in self.files:
            kind, item = self.stream.take()
            assert kind == "file", kind
            yield item  # type: ignore[misc]

    # -- reader thread ----------------------------------------------------------------------

    def _run(self) -> None:
        try:
            for delivered in self.files:
                prepared = self._prepare(delivered)
                if not self.stream.put("file", prepared):
                    return
                if prepared.source is not None and not self._read(prepared.source):
                    return
        except BaseException as exc:  # noqa: BLE001 - handed to the loader, which re-raises it
            self.stream.put("crashed", exc)

    def _prepare(self, delivered: DeliveredFile) -> Prepared:
        sha256, size = digest(delivered.path)
        try:
            contract, problem, note = self.matcher(delivered.department, delivered.name)
        except ContractError as exc:
            contract, problem, note = None, str(exc), None
        prepared = Prepared(delivered, sha256, size, contract, problem, note, _stream=self.stream)
        if contract is not None and self._may_load(delivered, sha256, contract):
            try:
                prepared.source = open_source(delivered.path, contract)
            except Exception as exc:  # noqa: BLE001 - the loader records it as a rejection
                prepared.failure = exc
        return prepared

    def _may_load(self, delivered: DeliveredFile, sha256: str, contract: SourceContract) -> bool:
        """Whether the loader will (most likely) load the file: the checks of `_process`, on
        the ledger as it was at the start. A wrong guess costs time, never correctness."""
        state = self.state
        if delivered.problem or delivered.delivery_date is None:
            return False
        if state.handled(delivered.rel, sha256, contract.source):
            return False
        if delivered.delivery_date > self.as_of:
            return False
        if state.loaded_copy(contract.source, sha256) is not None:
            return False
        holder = state.holder(delivered.rel, contract.source)
        return holder is None or not state.outranks(holder, delivered.rel)

    def _read(self, source: Source) -> bool:
        """Every plan's chunks into the queue, each plan closed by `done`, `fallback` (the next
        plan follows) or `failed`. False when the loader has gone away."""
        try:
            for plan in source.plans:
                try:
                    for chunk in guarded(plan()):
                        if not self.stream.put("chunk", chunk):
                            return False
                except FallBack as exc:
                    if not self.stream.put("fallback", str(exc)):
                        return False
                    continue
                except Exception as exc:  # noqa: BLE001 - FileRejected and the like
                    return self.stream.put("failed", exc)
                return self.stream.put("done", None)
            return self.stream.put("failed", AssertionError("every plan fell back"))
        finally:
            source.close()


def digest(path: Path) -> tuple[str, int]:
    """SHA-256 and size of a file."""
    with path.open("rb") as handle:
        found = hashlib.file_digest(handle, "sha256")
    return found.hexdigest(), path.stat().st_size


__all__ = ["BUDGET_BYTES", "Prepared", "ReadAhead", "digest"]
