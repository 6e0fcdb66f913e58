"""Write deliveries to the landing folder and derive the truth that depends on the written bytes."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import polars as pl

from pipelines.generator._model import Delivery
from pipelines.generator._writers import Sheet, Written, write_csv, write_geojson, write_json, write_xlsx


@dataclass(frozen=True)
class Emitted:
    """A written delivery with its truth rows."""

    delivery: Delivery
    written: Written
    records: pl.DataFrame  # source, record_id, entity_id, role, kind
    defects: pl.DataFrame  # source, file, line, column, kind, dimension, expected, detail


def _delivered_headers(delivery: Delivery) -> list[str]:
    contract = delivery.contract
    known = {c.name: c.name_zh for c in contract.columns}
    return [delivery.headers.get(name, known.get(name, name)) for name in delivery.frame.columns]


def emit(delivery: Delivery, landing: Path) -> Emitted:
    """Write one delivery and compute its record ids and located defects."""
    contract = delivery.contract
    path = landing / delivery.relative_path
    headers = _delivered_headers(delivery)
    frame = delivery.frame.rename(dict(zip(delivery.frame.columns, headers, strict=True)))
    fmt = contract.format
    if fmt == "csv":
        written = write_csv(
            frame, path, encoding=delivery.encoding or contract.encoding, bom=delivery.bom,
            title=delivery.title,
        )
    elif fmt == "xlsx":
        parts = delivery.sheets or [(contract.sheets[0] if contract.sheets else "Sheet1", frame.height)]
        sheets, offset = [], 0
        for name, count in parts:
            sheets.append(Sheet(name, frame.slice(offset, count), delivery.title))
            offset += count
        written = write_xlsx(sheets, path)
    elif fmt in ("json", "jsonl"):
        written = write_json(frame, path, lines=fmt == "jsonl")
    elif fmt == "geojson":
        geometry_col = next(c.name_zh for c in contract.columns if c.type == "geometry")
        import json

        geoms = [json.loads(g) for g in frame[geometry_col].to_list()]
        written = write_geojson(frame.drop(geometry_col), geoms, path, contract.table)
    else:  # pragma: no cover - FileFormat is a closed Literal
        raise ValueError(f"unknown format {fmt}")
    row_id = pl.select(
        pl.concat_str(pl.lit(f"{contract.source}:{written.sha256[:12]}:"), written.lines)
    ).to_series().alias("row_id")
    records = _records(delivery, row_id)
    defects = _defects(delivery, written, headers)
    return Emitted(delivery, written, records, defects)


def _records(delivery: Delivery, row_id: pl.Series) -> pl.DataFrame:
    contract = delivery.contract
    kinds = {p.role: p.kind for p in contract.parties}
    frames = []
    for role in delivery.parties.columns:
        frames.append(
            pl.DataFrame({"row_id": row_id, "entity_id": delivery.parties[role]})
            .filter(pl.col("entity_id").is_not_null())
            .select(
                source=pl.lit(contract.source),
                record_id=pl.concat_str(pl.col("row_id"), pl.lit(f"#{role}")),
                entity_id=pl.col("entity_id"),
                role=pl.lit(role),
                kind=pl.lit(kinds[role]),
            )
        )
    schema = {"source": pl.String, "record_id": pl.String, "entity_id": pl.String,
              "role": pl.String, "kind": pl.String}
    return pl.concat(frames) if frames else pl.DataFrame(schema=schema)


def _defects(delivery: Delivery, written: Written, headers: list[str]) -> pl.DataFrame:
    header_of = dict(zip(delivery.frame.columns, headers, strict=True))
    d = delivery.defects
    lines = written.lines
    return d.select(
        source=pl.lit(delivery.contract.source),
        file=pl.lit(delivery.relative_path),
        line=pl.when(pl.col("row").is_not_null()).then(
            pl.col("row").map_batches(lambda r: lines.gather(r.fill_null(0)), return_dtype=pl.String)
        ),
        column=pl.col("column").replace_strict(header_of, default=pl.col("column"), return_dtype=pl.String),
        kind=pl.col("kind"),
        dimension=pl.col("dimension"),
        expected=pl.col("expected"),
        detail=pl.col("detail"),
    )
