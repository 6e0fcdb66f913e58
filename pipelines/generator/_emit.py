"""Write deliveries to the landing folder and derive the truth that depends on the written bytes."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl

from pipelines.generator._mess import SENTINEL_COMMA
from pipelines.generator._model import KEY, PARTY_PREFIX, Delivery
from pipelines.standards.exprs import is_missing_expr
from pipelines.generator._writers import Sheet, Written, write_csv, write_geojson, write_json, write_xlsx

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
    return Emitted(contract.source, delivery.relative_path, visible.height, delivery.current,
                   delivery.replaced, records, defects)


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
