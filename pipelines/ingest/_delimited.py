"""Delimited text (CSV, TSV): layout detection, a fast path for the bulk of the data, and a
careful path that defines what every file means.

Physical lines are counted the way Python's universal newlines count them (`\\r\\n`, `\\n` or a
lone `\\r` ends a line); `_line` is the physical line a record starts on (header = its line).

Careful path (the reference): Python's csv module, strict quoting, over the decoded text, with
undecodable bytes kept as escapes and their row quarantined. A record that is malformed or has the
wrong field count and spans several physical lines (a stray quote swallowing the lines after it)
is re-read line by line, so one bad quote cannot take good rows down with it.

Fast path: the file is read in chunks of whole records (at a newline after an
even number of quote characters). Polars reads a chunk one physical line per row; lines without a
quote character are split on the delimiter, vectorised, and the rest are grouped into records by
quote parity and parsed by the csv module one record at a time. A record of the wrong width, or a
last line cut short, is a fault found on the way; a chunk the grouping cannot vouch for (a lone
CR, undecodable bytes, quoting that the parity and the csv module read differently) goes through
Polars' CSV parser when its accounting is exact, else through the careful path: the result never
differs from the careful path's (tests/ingest/test_property.py holds both paths to that).
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Iterator
from typing import BinaryIO
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path

import numpy as np
import polars as pl

from pipelines.contracts import SourceContract
from pipelines.ingest._errors import FallBack, FileRejected
from pipelines.ingest._headers import HeaderMap, find_header, header_lookup, map_header
from pipelines.ingest._rows import (
    FAULT,
    FAULT_COLUMN,
    RAW,
    Chunk,
    RowSpec,
    finish,
    has_control_bytes,
    quarantine_frame,
)
from pipelines.ingest._sniff import (
    SAMPLE_BYTES,
    SURROGATES,
    Encoding,
    best_encoding,
    quick_encoding,
)

DELIMITERS = (",", "\t", ";", "|")
FAST_CHUNK_BYTES = 32 << 20
SLOW_CHUNK_ROWS = 50_000
# A file whose rows are mostly undecodable is not data in any encoding we know.
UNDECODABLE_SHARE = 0.5

csv.field_size_limit(1 << 30)


@dataclass
class CsvLayout:
    """How a delimited file is laid out: decided once from its first megabyte."""

    encoding: Encoding
    clean: bool  # the encoding decoded the sample without a single error
    delimiter: str
    header_line: int  # physical line on which the header record ends
    header: HeaderMap
    notes: list[str] = field(default_factory=list)

    @property
    def width(self) -> int:
        return self.header.width


@dataclass
class Record:
    """One record of the careful path: its fields, or the fault that stops it loading."""

    line: int
    fields: list[str]
    raw: str
    fault: str | None = None
    fault_column: str | None = None


def detect_layout(path: Path, contract: SourceContract) -> CsvLayout:
    """Encoding, delimiter and header of a delimited file; rejects what cannot be trusted."""
    size = path.stat().st_size
    with path.open("rb") as handle:
        head = handle.read(SAMPLE_BYTES)
    whole = size <= len(head)
    encoding = quick_encoding(head, whole, contract.encoding)
    bad_bytes = 0
    if encoding is None:
        encoding, bad_bytes = best_encoding(path, contract.encoding)
    clean = bad_bytes == 0
    text = _decode_head(head, encoding, whole)
    lookup = header_lookup(contract)
    best: tuple[int, int, str, list[list[str]], list[int]] | None = None
    for delimiter in DELIMITERS:
        records, ends = _head_records(text, delimiter)
        index, score = find_header(records, lookup)
        if score and (best is None or score > best[0]):
            best = (score, index, delimiter, records, ends)
    if best is None:
        raise FileRejected(
            f"no header row: none of the first rows names a column of {contract.source} "
            f"(read as {encoding.label} text)",
            rows_read=0,
        )
    _, index, delimiter, records, ends = best
    header_cells = records[index]
    if any(SURROGATES.search(cell) for cell in header_cells):
        raise FileRejected(
            f"undecodable: the header is not valid {encoding.codec} "
            f"(nor UTF-8 or GB18030)",
            rows_read=0,
        )
    header = map_header(header_cells, contract)
    notes: list[str] = []
    if bad_bytes:
        notes.append(f"{bad_bytes} undecodable bytes")
    if delimiter != ",":
        notes.append(f"delimiter {delimiter!r}")
    title_rows = sum(1 for r in records[:index] if r)
    if title_rows:
        notes.append(f"{title_rows} title row(s) above the header skipped")
    return CsvLayout(
        encoding=encoding,
        clean=clean,
        delimiter=delimiter,
        header_line=ends[index],
        header=header,
        notes=notes + header.notes,
    )


def _decode_head(head: bytes, encoding: Encoding, whole: bool) -> str:
    decoder = codecs.getincrementaldecoder(encoding.codec)(errors="surrogateescape")
    text = decoder.decode(head[encoding.bom :], final=whole)
    if not whole:
        cut = max(text.rfind("\n"), text.rfind("\r"))
        text = text[: cut + 1] if cut >= 0 else text
    return text


def _head_records(text: str, delimiter: str) -> tuple[list[list[str]], list[int]]:
    """The first records of the sample and the physical line each ends on."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=False)
    records: list[list[str]] = []
    ends: list[int] = []
    try:
        for record in islice(reader, 60):
            records.append(record)
            ends.append(reader.line_num)
    except csv.Error:
        pass
    return records, ends


def count_records(path: Path, layout: CsvLayout) -> int:
    """Data records of a file (for a rejected file's `rows_read`)."""
    return sum(1 for _ in slow_records(path, layout))


# ---------------------------------------------------------------------------------------------
# Fast path
# ---------------------------------------------------------------------------------------------


def fast_eligible(layout: CsvLayout) -> bool:
    return layout.clean and layout.encoding.codec in {"utf-8", "gb18030"}


def fast_chunks(path: Path, layout: CsvLayout, spec: RowSpec) -> Iterator[Chunk]:
    """Chunks of a clean file through the fast path only; raises FallBack at the first doubt
    (the tests compare it with the careful path)."""
    with path.open("rb") as handle:
        size = path.stat().st_size
        handle.seek(size - 1)
        if handle.read(1) != b"\n":
            raise FallBack("no newline at the end of the file")
        start = _offset_after_lines(handle, layout.encoding.bom, layout.header_line)
        line = layout.header_line + 1
        while start < size:
            data = _next_chunk(handle, start, size)
            yield _fast_chunk(data, line, layout, spec)
            line += data.count(b"\n")
            start += len(data)


def _offset_after_lines(handle: BinaryIO, start: int, lines: int) -> int:
    """Byte offset just after the given number of physical lines (no lone CR allowed)."""
    handle.seek(start)
    head = b""
    offset = 0
    for _ in range(lines):
        found = head.find(b"\n", offset)
        while found < 0:
            more = handle.read(SAMPLE_BYTES)
            if not more:
                if b"\r" in head[offset:]:
                    # lines end in a lone CR (a classic Mac export): the header ends at one
                    raise FallBack("lone carriage return")
                return start + len(head)  # the header is the file's last line
            head += more
            found = head.find(b"\n", offset)
        offset = found + 1
    if head[:offset].count(b"\r") != head[:offset].count(b"\r\n"):
        raise FallBack("lone carriage return in the header")
    return start + offset


def _next_chunk(handle: BinaryIO, start: int, size: int) -> bytes:
    """The next run of whole records: cut at a newline preceded by an even number of quotes.

    The file is read, not memory-mapped: mapped pages of a large file would count against the
    process's resident memory as it is read through."""
    handle.seek(start)
    data = handle.read(FAST_CHUNK_BYTES)
    if start + len(data) < size:
        cut = data.rfind(b"\n")
        while cut < 0:  # a line longer than a chunk
            if b"\r" in data:  # lines ending in a lone CR: read them streaming, not whole
                raise FallBack("lone carriage return")
            more = handle.read(FAST_CHUNK_BYTES)
            if not more:
                break
            data += more
            cut = data.rfind(b"\n")
        if cut >= 0 and start + len(data) < size:
            data = data[: cut + 1]
    odd = data.count(b'"') % 2
    stop = len(data)
    for _ in range(10_000):
        if not odd:
            return data if stop == len(data) else data[:stop]
        cut = data.rfind(b"\n", 0, stop - 1)
        if cut < 0:
            break
        odd ^= data.count(b'"', cut + 1, stop) % 2
        stop = cut + 1
    raise FallBack("no record boundary found (unbalanced quotes)")


def _fast_chunk(data: bytes, first_line: int, layout: CsvLayout, spec: RowSpec) -> Chunk:
    """One record-aligned piece through Polars, or FallBack."""
    if b"\r" in data and data.count(b"\r") != data.count(b"\r\n"):
        raise FallBack("lone carriage return")
    utf8 = data
    if layout.encoding.codec != "utf-8":
        try:
            utf8 = data.decode(layout.encoding.codec).encode("utf-8")
        except UnicodeDecodeError as exc:
            raise FallBack(f"undecodable bytes: {exc}") from None
    try:
        return _line_chunk(utf8, data, first_line, layout, spec)
    except FallBack:
        if b'"' not in data:
            raise
    return _quoted_chunk(data, utf8, first_line, layout, spec)


# Separators that let Polars read a chunk one physical line per row.
_LINE_SEPARATORS = (b"\x1f", b"\x1e", b"\x1d", b"\x1c", b"\x01")


def _lines(utf8: bytes) -> pl.DataFrame:
    """The physical lines of a chunk (without terminators) as a one-column frame."""
    separator = next((c for c in _LINE_SEPARATORS if c not in utf8), None)
    if separator is None:
        raise FallBack("no free separator byte")
    try:
        return pl.read_csv(
            utf8,
            has_header=False,
            separator=separator.decode(),
            quote_char=None,
            schema={"__text": pl.String},
            infer_schema=False,
            empty_string_is_null=False,
            raise_if_empty=False,
        )
    except Exception as exc:  # noqa: BLE001 - invalid UTF-8 and the like: read it carefully
        raise FallBack(f"parser: {type(exc).__name__}") from None


def _line_chunk(
    utf8: bytes, original: bytes, first_line: int, layout: CsvLayout, spec: RowSpec
) -> Chunk:
    """A chunk read line by line: lines without quote characters are records of their own,
    split on the delimiter, vectorised; quoted records (a few, usually, some spanning lines)
    are grouped by quote parity and parsed by the csv module one by one, with exactly the
    careful path's rules. Either way a record of the wrong width, or cut short at the end of
    the file, is a fault found here. Anything the grouping cannot vouch for: FallBack.

    Per row only vectorised work is done, and only what a row needs: the quote count (when the
    chunk has quotes at all), one split, and a look at the last field for a wrong width; field
    counts and reasons are built for the faulty rows alone."""
    if utf8.startswith(b"\xef\xbb\xbf"):
        raise FallBack("byte-order mark inside the file")
    terminated = utf8.endswith(b"\n")
    lines = _lines(utf8)
    count = utf8.count(b"\n") + (0 if terminated else 1)
    if lines.height != count:
        raise FallBack("physical lines do not add up")
    width = layout.width
    delimiter = layout.delimiter
    last_line = first_line + count - 1
    lines = lines.with_columns(
        (pl.int_range(pl.len(), dtype=pl.Int64) + first_line).alias("__number")
    )
    records: list[Record] = []
    if b'"' in utf8:
        lines, records = _split_quoted(lines, original, first_line, last_line, terminated, layout)
    text = pl.col("__text")
    if lines.select((text.str.len_bytes() == 0).any()).item():
        lines = lines.filter(text != "")  # a blank line is no record
    names = [f"__f{i}" for i in range(width)]
    # splitn keeps whatever follows the last expected delimiter in the last field: a record
    # with too many fields has a delimiter there, one with too few has no last field.
    frame = lines.select(
        text.str.splitn(delimiter, width).struct.rename_fields(names).alias("__f"),
        pl.col("__number").alias("_line"),
        text.alias(RAW),
    ).unnest("__f")
    last = pl.col(names[-1])
    ragged = frame.select(
        (last.is_null() | last.str.contains(delimiter, literal=True)).alias("__ragged")
    ).to_series()
    faulted: list[tuple[str, str | None, str, str]] = []
    if ragged.any():
        wrong = frame.filter(ragged)
        frame = frame.filter(~ragged)
        fields = wrong[RAW].str.count_matches(delimiter, literal=True) + 1
        for line, raw, found in zip(wrong["_line"], wrong[RAW], fields, strict=True):
            if line == last_line and not terminated and found < width:
                reason = f"row cut short at end of file ({found} of {width} fields)"
            else:
                reason = f"row has {found} fields, the header has {width}"
            faulted.append((str(line), None, reason, raw))
    frame = frame.with_columns(pl.col("_line").cast(pl.String))
    if records:
        fine = [r for r in records if r.fault is None]
        faulted += [
            (str(r.line), r.fault_column, r.fault, _strip_newline(r.raw))
            for r in records if r.fault is not None
        ]
        if fine:
            frame = pl.concat([frame, _records_frame(fine, width).drop(FAULT, FAULT_COLUMN)],
                              how="vertical")
    frame = _rename(frame, layout.header, empty_is_null=True)
    return finish(
        frame,
        spec,
        raw_text=lambda bad: bad[RAW].to_list(),
        row_text=True,
        controls=has_control_bytes(utf8),
        faulted=quarantine_frame(faulted) if faulted else None,
    )


def _split_quoted(
    lines: pl.DataFrame,
    original: bytes,
    first_line: int,
    last_line: int,
    terminated: bool,
    layout: CsvLayout,
) -> tuple[pl.DataFrame, list[Record]]:
    """Lines outside quotes (records of their own), and the records of the lines that quote
    parity groups together, read by the csv module.

    A line belongs to a quoted record when it has a quote character itself or starts inside a
    quoted value (an odd number of quotes before it in the chunk); a new record starts at
    every line that does not start inside quotes."""
    quotes = lines.get_column("__text").str.count_matches('"', literal=True)
    parity = quotes.cum_sum()
    if parity[-1] % 2:
        raise FallBack("the chunk ends inside quotes")
    inside = (parity - quotes) % 2 == 1
    quoted = (quotes > 0) | inside
    if not quoted.any():
        return lines, []
    groups = (
        lines.filter(quoted)
        .with_columns(inside.filter(quoted).not_().cum_sum().alias("__group"))
        .partition_by("__group", maintain_order=True)
    )
    carriage = _carriage_returns(original) if b"\r" in original else None
    records: list[Record] = []
    for group in groups:
        numbers = group["__number"].to_list()
        texts = group["__text"].to_list()
        if carriage is not None:
            texts = [t + "\r" if carriage[n - first_line] else t
                     for t, n in zip(texts, numbers, strict=True)]
        records += _quoted_group(texts, numbers[0], last_line, terminated, layout)
    return lines.filter(~quoted), records


def _carriage_returns(original: bytes) -> np.ndarray:
    """Per physical line of a chunk: whether it ends in CRLF (the line reader drops the CR,
    which a quoted value spanning lines must keep)."""
    raw = np.frombuffer(original, dtype=np.uint8)
    ends = np.flatnonzero(raw == 10)
    before = ends - 1
    flags = np.zeros(len(ends) + 1, dtype=bool)
    flags[: len(ends)] = (before >= 0) & (raw[np.maximum(before, 0)] == 13)
    return flags


def _quoted_group(
    texts: list[str], start: int, last_line: int, terminated: bool, layout: CsvLayout
) -> list[Record]:
    """The records of a run of lines that quote parity says form one record, read with the
    careful path's rules; FallBack when the csv module reads the run differently."""
    physical = [t + "\n" for t in texts]
    if start + len(texts) - 1 == last_line and not terminated:
        physical[-1] = texts[-1]
    try:
        parsed = list(csv.reader(physical, delimiter=layout.delimiter, strict=True))
    except csv.Error as exc:
        if len(texts) > 1 or "unexpected end of data" in str(exc):
            raise FallBack("quoting the grouping cannot vouch for") from None
        return list(_line_by_line(physical, start, layout, str(exc)))
    if len(parsed) != 1:
        raise FallBack("quote parity and the csv module disagree")
    fields = parsed[0]
    if len(fields) != layout.width and len(texts) > 1:
        return list(_line_by_line(physical, start, layout, None))
    return [_record(fields, start, "".join(physical), layout)]


def _records_frame(records: list[Record], width: int) -> pl.DataFrame:
    """Careful-path records as frame rows (faulty rows keep no fields, only their text)."""
    rows = [
        [*(r.fields if r.fault is None else [None] * width), str(r.line), r.fault,
         r.fault_column, _strip_newline(r.raw)]
        for r in records
    ]
    schema = {**{f"__f{i}": pl.String for i in range(width)}, "_line": pl.String,
              FAULT: pl.String, FAULT_COLUMN: pl.String, RAW: pl.String}
    return pl.DataFrame(rows, schema=schema, orient="row")


def _quoted_chunk(
    data: bytes, utf8: bytes, first_line: int, layout: CsvLayout, spec: RowSpec
) -> Chunk:
    """A chunk with quote characters through Polars' CSV parser, accepted only when its
    accounting is exact (see the module docstring)."""
    newlines = data.count(b"\n")
    if (
        not data.endswith(b"\n")
        or data.startswith((b"\n", b"\r\n"))
        or b"\n\n" in data
        or b"\n\r\n" in data
    ):
        raise FallBack("blank line or no final newline")
    width = layout.width
    names = [f"__f{i}" for i in range(width)]
    try:
        frame = pl.read_csv(
            utf8,
            has_header=False,
            schema=dict.fromkeys(names, pl.String),
            infer_schema=False,
            separator=layout.delimiter,
            quote_char='"',
            empty_string_is_null=False,
            raise_if_empty=False,
            eol_char="\n",
        )
    except Exception as exc:  # noqa: BLE001 - any parser complaint means: read it carefully
        raise FallBack(f"parser: {type(exc).__name__}") from None
    delimiter = layout.delimiter
    if frame.null_count().sum_horizontal().item():
        raise FallBack("missing fields")
    if frame.height and frame.select(pl.all_horizontal(pl.col(n) == "" for n in names)).to_series().any():
        raise FallBack("empty record")
    inner = int(
        frame.select(
            pl.sum_horizontal(pl.col(n).str.count_matches(delimiter, literal=True) for n in names)
        ).to_series().sum()
    )
    spans = frame.select(
        (1 + pl.sum_horizontal(pl.col(n).str.count_matches("\n", literal=True) for n in names))
        .cast(pl.Int64)
        .alias("span")
    ).to_series()
    if int(spans.sum()) != newlines:
        raise FallBack("physical lines do not add up")
    if utf8.count(delimiter.encode()) != frame.height * (width - 1) + inner:
        raise FallBack("a record has the wrong number of fields")
    offsets = spans.cum_sum() - spans
    frame = frame.with_columns(
        (offsets + first_line).cast(pl.String).alias("_line"),
        offsets.alias("__offset"),
        spans.alias("__span"),
    )
    frame = _rename(frame, layout.header, empty_is_null=True)

    def raw_text(bad: pl.DataFrame) -> list[str]:
        return _raw_lines(data, bad["__offset"].to_list(), bad["__span"].to_list(), layout)

    return finish(frame, spec, raw_text)


def _raw_lines(data: bytes, offsets: list[int], spans: list[int], layout: CsvLayout) -> list[str]:
    """Original text of physical lines `offset .. offset + span - 1` of a chunk."""
    ends = np.flatnonzero(np.frombuffer(data, dtype=np.uint8) == 10)
    starts = np.concatenate(([0], ends + 1))
    out = []
    for offset, span in zip(offsets, spans, strict=True):
        piece = data[int(starts[offset]) : int(ends[offset + span - 1])]
        out.append(_strip_newline(piece.decode(layout.encoding.codec, errors="backslashreplace")))
    return out


def _rename(frame: pl.DataFrame, header: HeaderMap, empty_is_null: bool) -> pl.DataFrame:
    """Delivered field positions -> contract columns and `__x<i>` extras; an empty extra is
    null (empty contract fields become null as they are inserted)."""
    renames = {
        f"__f{i}": (target if target is not None else f"__x{i}")
        for i, target in enumerate(header.targets)
    }
    frame = frame.rename(renames)
    extras = [name for name in renames.values() if name.startswith("__x")]
    if empty_is_null and extras:
        frame = frame.with_columns(
            pl.when(pl.col(c) == "").then(None).otherwise(pl.col(c)).alias(c) for c in extras
        )
    return frame


def spec_for(layout_header: HeaderMap, contract: SourceContract) -> RowSpec:
    """The row checks' view of a header: extras by frame column, header texts by column."""
    return RowSpec(
        contract=contract,
        extra_keys={f"__x{i}": key for i, key in layout_header.extra_keys.items()},
        header_values={
            t: layout_header.fields[i] for i, t in layout_header.mapped().items()
        } if len(layout_header.mapped()) > 1 else {},
    )


# ---------------------------------------------------------------------------------------------
# Careful path
# ---------------------------------------------------------------------------------------------


def slow_records(path: Path, layout: CsvLayout) -> Iterator[Record]:
    """Every data record after the header, including the faulty ones."""
    with path.open("rb") as binary:
        binary.seek(layout.encoding.bom)
        text = io.TextIOWrapper(
            binary, encoding=layout.encoding.codec, errors="surrogateescape", newline=""
        )
        lines = iter(text)
        for _ in islice(lines, layout.header_line):
            pass
        yield from _records(lines, layout.header_line + 1, layout)


def _tail_records(path: Path, offset: int, first_line: int, layout: CsvLayout) -> Iterator[Record]:
    """Records from a byte offset (a line start) to the end of the file."""
    with path.open("rb") as binary:
        binary.seek(offset)
        text = io.TextIOWrapper(
            binary, encoding=layout.encoding.codec, errors="surrogateescape", newline=""
        )
        yield from _records(iter(text), first_line, layout)


def _chunk_records(data: bytes, first_line: int, layout: CsvLayout) -> Iterator[Record]:
    text = data.decode(layout.encoding.codec, errors="surrogateescape")
    yield from _records(iter(io.StringIO(text, newline="")), first_line, layout)


def _records(physical_lines: Iterator[str], first_line: int, layout: CsvLayout) -> Iterator[Record]:
    """Records of a run of physical lines starting at line `first_line`."""
    width = layout.width
    delimiter = layout.delimiter
    lines: list[str] = []

    def feed() -> Iterator[str]:
        for physical in physical_lines:
            lines.append(physical)
            yield physical

    source = feed()
    consumed = first_line - 1
    reader = csv.reader(source, delimiter=delimiter, quotechar='"', strict=True)
    while True:
        lines.clear()
        try:
            fields = next(reader)
            error = None
        except StopIteration:
            break
        except csv.Error as exc:
            fields, error = None, str(exc)
            reader = csv.reader(source, delimiter=delimiter, quotechar='"', strict=True)
        record_lines = list(lines)
        start = consumed + 1
        consumed += len(record_lines)
        if fields == []:
            continue  # a blank line is no record
        if error is not None or (len(fields or ()) != width and len(record_lines) > 1):
            yield from _line_by_line(record_lines, start, layout, error)
            continue
        yield _record(fields or [], start, "".join(record_lines), layout)


def _line_by_line(
    physical: list[str], start: int, layout: CsvLayout, error: str | None
) -> Iterator[Record]:
    """A damaged multi-line record, read again one physical line at a time."""
    for offset, line in enumerate(physical):
        if not line.strip("\r\n"):
            continue
        try:
            fields = next(csv.reader([line], delimiter=layout.delimiter, strict=True))
        except (csv.Error, StopIteration) as exc:
            detail = error if len(physical) == 1 and error else str(exc)
            yield Record(start + offset, [], line, fault=f"malformed quoting: {detail}")
            continue
        yield _record(fields, start + offset, line, layout)


def _record(fields: list[str], line: int, raw: str, layout: CsvLayout) -> Record:
    width = layout.width
    record = Record(line, fields, raw)
    if SURROGATES.search(raw):
        record.fields = [SURROGATES.sub(_escape, f) for f in fields]
        record.raw = SURROGATES.sub(_escape, raw)
        record.fault = f"bytes not valid {layout.encoding.codec}"
        if len(fields) == width:
            bad = next((i for i, f in enumerate(fields) if SURROGATES.search(f)), None)
            if bad is not None:
                record.fault_column = layout.header.targets[bad] or layout.header.extra_keys[bad]
    elif len(fields) != width:
        if not raw.endswith(("\n", "\r")) and len(fields) < width:
            record.fault = f"row cut short at end of file ({len(fields)} of {width} fields)"
        else:
            record.fault = f"row has {len(fields)} fields, the header has {width}"
    return record


def _escape(match: object) -> str:
    return f"\\x{ord(match.group()) - 0xDC00:02x}"  # type: ignore[attr-defined]


def _strip_newline(raw: str) -> str:
    if raw.endswith("\r\n"):
        return raw[:-2]
    if raw.endswith(("\n", "\r")):
        return raw[:-1]
    return raw


def slow_chunks(path: Path, layout: CsvLayout, spec: RowSpec) -> Iterator[Chunk]:
    """Chunks of any delimited file through the csv module."""
    tally = _Tally()
    yield from _batches(slow_records(path, layout), layout, spec, tally)
    tally.check(layout)


def csv_chunks(path: Path, layout: CsvLayout, spec: RowSpec) -> Iterator[Chunk]:
    """Chunks of a delimited file: each record-aligned piece through Polars when the fast path
    accepts it, through the csv module when it does not (a few bad rows cost only their own
    piece, not the whole file)."""
    if not fast_eligible(layout):
        yield from slow_chunks(path, layout, spec)
        return
    tally = _Tally()
    with path.open("rb") as handle:
        size = path.stat().st_size
        try:
            start = _offset_after_lines(handle, layout.encoding.bom, layout.header_line)
        except FallBack:
            yield from slow_chunks(path, layout, spec)
            return
        line = layout.header_line + 1
        while start < size:
            try:
                data = _next_chunk(handle, start, size)
            except FallBack:
                yield from _batches(_tail_records(path, start, line, layout), layout, spec, tally)
                break
            try:
                chunk = _fast_chunk(data, line, layout, spec)
                tally.total += chunk.rows
                yield chunk
            except FallBack:
                yield from _batches(_chunk_records(data, line, layout), layout, spec, tally)
            line += _physical_lines(data)
            start += len(data)
    tally.check(layout)


def _physical_lines(data: bytes) -> int:
    """Line breaks as universal newlines count them: CRLF, LF, lone CR."""
    newlines = data.count(b"\n")
    if b"\r" not in data:
        return newlines
    return newlines + data.count(b"\r") - data.count(b"\r\n")


@dataclass
class _Tally:
    """Records seen and how many of them had undecodable bytes."""

    total: int = 0
    undecodable: int = 0

    def check(self, layout: CsvLayout) -> None:
        if self.total and self.undecodable > self.total * UNDECODABLE_SHARE:
            raise FileRejected(
                f"undecodable: {self.undecodable} of {self.total} rows are not valid "
                f"{layout.encoding.codec} (nor UTF-8 or GB18030)",
                rows_read=self.total,
            )


def _batches(
    records: Iterator[Record], layout: CsvLayout, spec: RowSpec, tally: _Tally
) -> Iterator[Chunk]:
    batch: list[Record] = []
    for record in records:
        tally.total += 1
        tally.undecodable += record.fault is not None and record.fault.startswith("bytes not valid")
        batch.append(record)
        if len(batch) >= SLOW_CHUNK_ROWS:
            yield _slow_chunk(batch, layout, spec)
            batch = []
    if batch:
        yield _slow_chunk(batch, layout, spec)


def _slow_chunk(batch: list[Record], layout: CsvLayout, spec: RowSpec) -> Chunk:
    frame = _rename(_records_frame(batch, layout.width), layout.header, empty_is_null=True)
    return finish(frame, spec, raw_text=lambda bad: bad[RAW].to_list(), row_text=True)


__all__ = [
    "CsvLayout",
    "count_records",
    "detect_layout",
    "fast_chunks",
    "fast_eligible",
    "csv_chunks",
    "slow_chunks",
    "spec_for",
]
