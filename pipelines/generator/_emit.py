"""Write deliveries to the landing folder and derive the truth that depends on the written bytes."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import polars as pl
import pyarrow.parquet as pq

from pipelines.generator._mess import SENTINEL_COMMA
from pipelines.generator._model import KEY, PARTY_PREFIX, Delivery
from pipelines.standards.exprs import is_missing_expr
from pipelines.generator._writers import (
    CsvStream,
    JsonStream,
    Sheet,
    Written,
    XlsxStream,
    write_csv,
    write_geojson,
    write_json,
    write_xlsx,
)

RECORD_SCHEMA = {"source": pl.String, "record_id": pl.String, "entity_id": pl.String,
                 "role": pl.String, "kind": pl.String}


@dataclass(frozen=True)
class Emitted:
    """A written delivery: where, how many rows, its records and its located defects."""

    source: str
    relative_path: str
    rows: int
    current: bool
    replaced: bool
    records: pl.DataFrame  # RECORD_SCHEMA
    defects: pl.DataFrame  # source, file, line, column, kind, dimension, expected, detail
    case_rows: pl.DataFrame | None = None  # evidence rows of planted authenticity cases (_authenticity)


def delivered_headers(delivery: Delivery) -> list[str]:
    known = {c.name: c.name_zh for c in delivery.contract.columns}
    return [delivery.headers.get(n, known.get(n, n)) for n in delivery.visible.columns]


def emit(delivery: Delivery, landing: Path) -> Emitted:
    """Write one delivery and compute its record ids and located defects."""
    contract = delivery.contract
    path = landing / delivery.relative_path
    visible = delivery.visible
    headers = delivered_headers(delivery)
    frame = visible.rename(dict(zip(visible.columns, headers, strict=True)))
    if delivery.raw is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(delivery.raw)
        sha = hashlib.sha256(delivery.raw).hexdigest()
        written = Written(path, sha, pl.Series("_line", [None] * visible.height, dtype=pl.String))
    else:
        written = _write(delivery, frame, path)
        if delivery.truncate:
            data = path.read_bytes()[: int(path.stat().st_size * 0.6)]
            path.write_bytes(data)
            written = Written(path, hashlib.sha256(data).hexdigest(),
                              pl.Series("_line", [None] * visible.height, dtype=pl.String))
    unreadable = delivery.raw is not None or delivery.truncate
    row_id = pl.select(
        pl.concat_str(pl.lit(f"{contract.source}:{written.sha256[:12]}:"), written.lines)
    ).to_series().alias("row_id")
    records = pl.DataFrame(schema=RECORD_SCHEMA) if unreadable else _records(delivery, row_id)
    defects = _defects(delivery, written, headers)
    if unreadable:
        # Nothing inside an unreadable file can be found: only the whole-file defect remains.
        defects = defects.filter(pl.col("line").is_null() & (pl.col("kind") == "rejected_file"))
    from pipelines.generator._authenticity import case_rows

    cases = None if unreadable else case_rows(delivery, written.lines)
    return Emitted(contract.source, delivery.relative_path, visible.height, delivery.current,
                   delivery.replaced, records, defects, cases)


def _write(delivery: Delivery, frame: pl.DataFrame, path: Path) -> Written:
    contract = delivery.contract
    fmt = contract.format
    numeric = {delivery.headers.get(n, contract.column(n).name_zh) for n in delivery.numeric}
    if fmt == "csv":
        written = write_csv(
            frame, path, encoding=delivery.encoding or contract.encoding, bom=delivery.bom,
            title=delivery.title, sentinel=SENTINEL_COMMA,
        )
    elif fmt == "xlsx":
        default = contract.sheets[0] if contract.sheets else "Sheet1"
        parts = delivery.sheets or [(default, frame.height)]
        sheets, offset = [], 0
        for name, count in parts:
            sheets.append(Sheet(name, frame.slice(offset, count), delivery.title, frozenset(numeric)))
            offset += count
        written = write_xlsx(sheets, path)
    elif fmt in ("json", "jsonl"):
        written = write_json(frame, path, lines=fmt == "jsonl")
    else:
        geometry = next(c.name_zh for c in contract.columns if c.type == "geometry")
        geoms = [json.loads(g) for g in frame[geometry].to_list()]
        written = write_geojson(frame.drop(geometry), geoms, path, contract.table)
    return written


def _present(frame: pl.DataFrame, column: str) -> np.ndarray:
    """Rows whose delivered value the staging layer keeps: not empty and not a spelled-out missing
    value, judged by the project's one implementation of that rule.

    Missing-value spellings are short, so the rule is only evaluated on short values.
    """
    values = frame[column].cast(pl.String)
    present = values.is_not_null().to_numpy().copy()
    short = (values.str.len_chars() <= 12).fill_null(False).to_numpy()
    if short.any():
        missing = pl.select(is_missing_expr(values.filter(pl.Series(short)))).to_series().to_numpy()
        present[short] &= ~missing
    return present


def _records(delivery: Delivery, row_id: pl.Series) -> pl.DataFrame:
    """One record per (row, party role) the pipeline will see.

    A party yields a record only where at least one of its columns holds a value (the records
    models keep a party when any of its fields is not null), and rows the ingest must quarantine
    never reach resolution.
    """
    contract = delivery.contract
    quarantined = delivery.defects.filter(pl.col("expected") == "quarantined")[KEY].drop_nulls()
    frame = delivery.frame.with_columns(row_id=row_id).filter(~pl.col(KEY).is_in(quarantined.implode()))
    frames = []
    for p in contract.parties:
        entity = PARTY_PREFIX + p.role
        if entity not in frame.columns:
            continue
        columns = [col for col in dict.fromkeys(p.fields.values()) if col in frame.columns]
        present = np.zeros(frame.height, dtype=bool)
        for col in columns:
            present |= _present(frame, col)
        frames.append(
            frame.filter(pl.col(entity).is_not_null() & pl.Series(present)).select(
                source=pl.lit(contract.source),
                record_id=pl.concat_str(pl.col("row_id"), pl.lit(f"#{p.role}")),
                entity_id=pl.col(entity),
                role=pl.lit(p.role),
                kind=pl.lit(p.kind),
            )
        )
    return pl.concat(frames) if frames else pl.DataFrame(schema=RECORD_SCHEMA)


def _defects(delivery: Delivery, written: Written, headers: list[str]) -> pl.DataFrame:
    header_of = dict(zip(delivery.visible.columns, headers, strict=True))
    positions = pl.DataFrame({KEY: delivery.frame[KEY], "line": written.lines})
    located = delivery.defects.join(positions, on=KEY, how="inner", maintain_order="left")
    whole = delivery.defects.filter(pl.col(KEY).is_null()).with_columns(line=pl.lit(None, dtype=pl.String))
    both = pl.concat([located, whole])
    return both.select(
        source=pl.lit(delivery.contract.source),
        file=pl.lit(delivery.relative_path),
        line=pl.col("line"),
        column=pl.col("column").replace_strict(header_of, default=pl.col("column"), return_dtype=pl.String),
        kind=pl.col("kind"),
        dimension=pl.col("dimension"),
        expected=pl.col("expected"),
        detail=pl.col("detail"),
    )


# --- Sharded runs: each file is written in parts, one per shard -------------------------------

DEFECT_COLUMNS = {"source": pl.String, "file": pl.String, "line": pl.String, "column": pl.String,
                  "kind": pl.String, "dimension": pl.String, "expected": pl.String, "detail": pl.String}


class ParquetAppender:
    """A Parquet file written frame by frame (one row group each), so a table larger than memory
    can be written from its parts; an appender that received nothing writes an empty table."""

    def __init__(self, path: Path, schema: dict[str, pl.DataType]) -> None:
        self.path, self.schema = path, schema
        self.writer: pq.ParquetWriter | None = None
        self.rows = 0

    def write(self, frame: pl.DataFrame) -> None:
        if frame.height == 0:
            return
        table = frame.select([pl.col(c).cast(t) for c, t in self.schema.items()]).to_arrow()
        if self.writer is None:
            self.writer = pq.ParquetWriter(self.path, table.schema, compression="zstd")
        self.writer.write_table(table.cast(self.writer.schema))
        self.rows += frame.height

    def close(self) -> None:
        if self.writer is None:
            pl.DataFrame(schema=self.schema).write_parquet(self.path)
        else:
            self.writer.close()


@dataclass
class _Stream:
    """A landing file being written in parts."""

    number: int
    source: str
    relative_path: str
    headers: list[str]
    current: bool
    replaced: bool
    truncate: bool
    writer: CsvStream | JsonStream | XlsxStream | None
    parts: int = 0
    rows: int = 0
    sha256: str | None = None
    spilled: list[Path] = field(default_factory=list)  # record parts waiting on disk
    records: list[pl.DataFrame] = field(default_factory=list)  # record parts waiting in memory


@dataclass(frozen=True)
class StreamTotals:
    """What a sharded run wrote (the counts `GenerateSummary` reports)."""

    files: int
    rows_per_source: dict[str, int]
    person_records: int
    org_records: int
    defects: int


class StreamEmitter:
    """Writes deliveries that arrive in parts (the same file from every shard) and their truth.

    Rows are appended to their file as each part arrives; defects are located at once (a file's
    whole-file defects with its first part only) and written to the truth in batches. Record ids
    need the hash of the finished file, so records wait until `close`: in memory up to `BUFFER`
    rows, then in the scratch folder.
    """

    BUFFER = 1_000_000

    def __init__(self, landing: Path, truth: Path, scratch: Path) -> None:
        self.landing, self.truth, self.scratch = landing, truth, scratch
        self.files: dict[str, _Stream] = {}
        self.defects = ParquetAppender(truth / "defects.parquet", DEFECT_COLUMNS)
        self.pending_defects: list[pl.DataFrame] = []
        self.buffered = 0  # defect and record rows held in memory
        self.case_rows: list[pl.DataFrame] = []  # evidence rows of planted authenticity cases

    def _hold(self, rows: int) -> None:
        """Count rows held in memory; past `BUFFER`, write defects out and spill records."""
        self.buffered += rows
        if self.buffered <= self.BUFFER:
            return
        self._flush_defects()
        for stream in self.files.values():
            if stream.records:
                part = self.scratch / f"records{stream.number}_{len(stream.spilled)}.parquet"
                pl.concat(stream.records).write_parquet(part, compression="uncompressed")
                stream.spilled.append(part)
                stream.records = []
        self.buffered = 0

    def _flush_defects(self) -> None:
        if self.pending_defects:
            self.defects.write(pl.concat(self.pending_defects))
            self.pending_defects = []

    def _open(self, delivery: Delivery, headers: list[str]) -> _Stream:
        contract = delivery.contract
        path = self.landing / delivery.relative_path
        number = len(self.files)
        writer: CsvStream | JsonStream | XlsxStream | None = None
        if delivery.raw is None:
            if contract.format == "csv":
                writer = CsvStream(path, encoding=delivery.encoding or contract.encoding, bom=delivery.bom,
                                   title=delivery.title, sentinel=SENTINEL_COMMA)
            elif contract.format == "xlsx":
                numeric = {delivery.headers.get(n, contract.column(n).name_zh) for n in delivery.numeric}
                writer = XlsxStream(path, self.scratch / f"workbook{number}", title=delivery.title,
                                    numeric=frozenset(numeric))
            elif contract.format in ("json", "jsonl"):
                writer = JsonStream(path, lines=contract.format == "jsonl")
        stream = _Stream(number, contract.source, delivery.relative_path, headers, delivery.current,
                         delivery.replaced, delivery.truncate or delivery.raw is not None, writer)
        self.files[delivery.relative_path] = stream
        return stream

    def add(self, delivery: Delivery) -> None:
        """Append one part of a delivery to its file."""
        contract = delivery.contract
        visible = delivery.visible
        headers = delivered_headers(delivery)
        frame = visible.rename(dict(zip(visible.columns, headers, strict=True)))
        stream = self.files.get(delivery.relative_path) or self._open(delivery, headers)
        if stream.headers != headers or (stream.current, stream.replaced) != (delivery.current, delivery.replaced):
            raise ValueError(f"{delivery.relative_path}: parts differ in columns or status")
        if stream.writer is None:
            # Written whole (GeoJSON, raw bytes): only a county-wide source may deliver these.
            if stream.parts:
                raise ValueError(f"{delivery.relative_path}: {contract.format} cannot be written in parts")
            if delivery.raw is not None:
                stream.sha256 = _store_raw(self.landing / delivery.relative_path, delivery.raw)
                lines = pl.Series("_line", [None] * visible.height, dtype=pl.String)
            else:
                written = _write(delivery, frame, self.landing / delivery.relative_path)
                stream.sha256, lines = written.sha256, written.lines
        elif isinstance(stream.writer, XlsxStream):
            default = contract.sheets[0] if contract.sheets else "Sheet1"
            sheets, offset = [], 0
            for name, count in delivery.sheets or [(default, frame.height)]:
                sheets.append(Sheet(name, frame.slice(offset, count)))
                offset += count
            lines = stream.writer.append(sheets)
        else:
            lines = stream.writer.append(frame)
        if stream.truncate:
            lines = pl.Series("_line", [None] * visible.height, dtype=pl.String)
        defects = _defects(delivery, Written(self.landing / delivery.relative_path, "", lines), headers)
        if stream.truncate:
            defects = defects.filter(pl.col("line").is_null() & (pl.col("kind") == "rejected_file"))
        if stream.parts:
            defects = defects.filter(pl.col("line").is_not_null())
        if defects.height:
            self.pending_defects.append(defects)
        if not stream.truncate:
            from pipelines.generator._authenticity import case_rows

            planted = case_rows(delivery, lines)
            if planted is not None and planted.height:
                self.case_rows.append(planted)
        held = defects.height
        if stream.current and not stream.replaced and not stream.truncate:
            records = _records(delivery, lines.alias("row_id"))
            if records.height:
                stream.records.append(records)
                held += records.height
        self._hold(held)
        stream.parts += 1
        stream.rows += visible.height

    def close(self) -> StreamTotals:
        """Finish every file, then write the record truth with each file's hash in its ids."""
        rows: dict[str, int] = {}
        for stream in self.files.values():
            path = self.landing / stream.relative_path
            if stream.writer is not None:
                stream.sha256 = stream.writer.close()
            if stream.truncate and stream.writer is not None:
                data = path.read_bytes()[: int(path.stat().st_size * 0.6)]
                path.write_bytes(data)
                stream.sha256 = hashlib.sha256(data).hexdigest()
            rows[stream.source] = rows.get(stream.source, 0) + stream.rows
        self._flush_defects()
        self.defects.close()
        persons = ParquetAppender(self.truth / "person_records.parquet", {
            "source": pl.String, "record_id": pl.String, "person_id": pl.String, "role": pl.String})
        orgs = ParquetAppender(self.truth / "org_records.parquet", {
            "source": pl.String, "record_id": pl.String, "org_id": pl.String, "role": pl.String})
        batch: list[pl.DataFrame] = []

        def flush() -> None:
            if batch:
                records = pl.concat(batch)
                persons.write(records.filter(pl.col("kind") == "person").select(
                    "source", "record_id", pl.col("entity_id").alias("person_id"), "role"))
                orgs.write(records.filter(pl.col("kind") == "org").select(
                    "source", "record_id", pl.col("entity_id").alias("org_id"), "role"))
                batch.clear()

        for stream in self.files.values():
            assert stream.sha256 is not None
            prefix = f"{stream.source}:{stream.sha256[:12]}:"
            parts: list[Path | pl.DataFrame] = [*stream.spilled, *stream.records]
            for part in parts:
                batch.append((pl.read_parquet(part) if isinstance(part, Path) else part).with_columns(
                    record_id=pl.lit(prefix) + pl.col("record_id")))
                if isinstance(part, Path):
                    part.unlink()
                if sum(b.height for b in batch) > self.BUFFER:
                    flush()
            stream.records = []
        flush()
        persons.close()
        orgs.close()
        return StreamTotals(files=len(self.files), rows_per_source=dict(sorted(rows.items())),
                            person_records=persons.rows, org_records=orgs.rows, defects=self.defects.rows)


def _store_raw(path: Path, data: bytes) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return hashlib.sha256(data).hexdigest()
