"""Opening a delivered file by what it contains, whatever its name says.

`open_source()` sniffs the first bytes, picks the reader, and returns a `Source`: its format,
encoding, drift notes and one or more *plans* (ways of reading it, tried in order: the fast path
first when there is one; a plan raises `FallBack` to hand over to the next).
"""

from __future__ import annotations

import queue
import threading
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from pipelines.contracts import SourceContract
from pipelines.ingest import _delimited as _csv
from pipelines.ingest._errors import FallBack, FileRejected
from pipelines.ingest._jsondata import JsonSource
from pipelines.ingest._markup import open_markup_workbook
from pipelines.ingest._rows import Chunk
from pipelines.ingest._sniff import SAMPLE_BYTES, best_encoding, quick_encoding, sniff_format
from pipelines.ingest._xlsx import XlsxSource

Plan = Callable[[], Iterator[Chunk]]

_NOT_DATA = {
    "pdf": "PDF document, not a data file",
    "markup": "HTML/XML document without a table, not a data file (a web page saved as the export?)",
    "binary": "binary content: not text, XLSX or JSON",
    "empty": "empty file",
}
_EXTENSIONS = {
    "csv": {".csv", ".txt", ".tsv"},
    "xlsx": {".xlsx", ".xlsm"},
    "xls": {".xls"},
    "html": {".html", ".htm"},
    "spreadsheetml": {".xml"},
    "json": {".json"},
    "jsonl": {".jsonl", ".ndjson", ".json"},
    "geojson": {".geojson", ".json"},
}


@dataclass
class Source:
    """A file ready to be read."""

    format: str
    encoding: str | None
    plans: list[Plan]
    notes: list[str] = field(default_factory=list)
    close: Callable[[], None] = lambda: None


def open_source(path: Path, contract: SourceContract) -> Source:
    """The reader for a file, chosen by content. Raises FileRejected when nothing can be read."""
    with path.open("rb") as handle:
        head = handle.read(SAMPLE_BYTES)
    kind = sniff_format(head)
    if kind == "markup":
        source = _markup(path, contract)
    elif kind in _NOT_DATA:
        raise FileRejected(_NOT_DATA[kind])
    elif kind in ("zip", "xls"):
        source = _xlsx(path, contract, legacy=kind == "xls")
    elif kind == "json":
        source = _json(path, contract, head)
    else:
        source = _delimited(path, contract)
    suffix = PurePosixPath(path.name).suffix.lower()
    if suffix not in _EXTENSIONS.get(source.format, set()):
        source.notes.insert(0, f"content is {source.format.upper()} although the name ends in "
                               f"{suffix or '(no extension)'}")
    elif source.format != contract.format and not any(
        {source.format, contract.format} <= kin
        for kin in ({"json", "jsonl", "geojson"}, {"xlsx", "xls", "html", "spreadsheetml"})
    ):
        source.notes.insert(0, f"delivered as {source.format}, the contract says {contract.format}")
    return source


def _xlsx(path: Path, contract: SourceContract, legacy: bool = False) -> Source:
    reader = XlsxSource(path, contract, legacy=legacy)
    return Source(reader.format, None, [reader.chunks], reader.notes, reader.close)


def _markup(path: Path, contract: SourceContract) -> Source:
    """An HTML table or XML Spreadsheet 2003 (a web system's "Excel" export), read as a
    workbook; a page without a table is not data."""
    try:
        found = open_markup_workbook(path)
    except ET.ParseError as exc:
        raise FileRejected(f"XML is not well formed: {exc}") from None
    if found is None:
        raise FileRejected(_NOT_DATA["markup"])
    kind, book = found
    reader = XlsxSource(path, contract, book=book, format=kind)
    return Source(reader.format, None, [reader.chunks], reader.notes, reader.close)


def _json(path: Path, contract: SourceContract, head: bytes) -> Source:
    encoding = quick_encoding(head, len(head) < SAMPLE_BYTES, contract.encoding)
    if encoding is None:
        encoding, _ = best_encoding(path, contract.encoding)
    reader = JsonSource(path, contract, encoding)
    return Source(reader.format, encoding.label, [reader.chunks], reader.notes)


def _delimited(path: Path, contract: SourceContract) -> Source:
    layout = _csv.detect_layout(path, contract)
    if layout.header.missing_required:
        raise FileRejected(
            f"required columns missing: {', '.join(layout.header.missing_required)}",
            rows_read=_csv.count_records(path, layout),
        )
    spec = _csv.spec_for(layout.header, contract)

    def chunks() -> Iterator[Chunk]:
        return _csv.csv_chunks(path, layout, spec)

    plans: list[Plan] = [chunks]
    return Source("csv", layout.encoding.label, plans, layout.notes)


def guarded(chunks: Iterator[Chunk]) -> Iterator[Chunk]:
    """A reader's chunks, with any unexpected reader failure turned into a rejection: a file
    no reader understands is an outcome to record, never a crash of the stage."""
    rows = 0
    while True:
        try:
            chunk = next(chunks)
        except StopIteration:
            return
        except (FileRejected, FallBack):
            raise
        except Exception as exc:  # noqa: BLE001 - whatever the file did to the parser
            raise FileRejected(
                f"could not be read: {type(exc).__name__}: {str(exc)[:200]}", rows_read=rows
            ) from exc
        rows += chunk.rows
        yield chunk


_DONE = object()


def prefetched(chunks: Iterator[Chunk], depth: int = 2) -> Iterator[Chunk]:
    """The chunks of a reader, read ahead in a background thread.

    Parsing (Python and Polars) and inserting (DuckDB) then overlap: both release the
    interpreter lock for their heavy parts, so on two cores the next chunk is parsed while the
    previous one is written. Exceptions of the reader are re-raised here, in order; if the
    consumer stops early, the reader thread is told to stop and is waited for.
    """
    slots: queue.Queue[object] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def produce() -> None:
        try:
            for chunk in chunks:
                while not stop.is_set():
                    try:
                        slots.put(chunk, timeout=0.1)
                        break
                    except queue.Full:
                        continue
                if stop.is_set():
                    return
            slots.put(_DONE)
        except BaseException as exc:  # noqa: BLE001 - handed to the consumer
            slots.put(exc)

    worker = threading.Thread(target=produce, name="ingest-reader", daemon=True)
    worker.start()
    try:
        while True:
            item = slots.get()
            if item is _DONE:
                return
            if isinstance(item, BaseException):
                raise item
            yield item  # type: ignore[misc]
    finally:
        stop.set()
        while worker.is_alive():
            try:
                slots.get(timeout=0.1)
            except queue.Empty:
                pass
        worker.join()
