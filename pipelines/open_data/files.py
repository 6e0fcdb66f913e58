"""A dataset's files in `data/open/<dataset id>/`: `data.csv` (UTF-8 with BOM, the Chinese headers,
as portals publish them; formula-like cells neutralised), `data.parquet` (the English column
names, typed), `data.geojson` where spatial (WGS 84, coordinates rounded to 6 decimals),
`dictionary.csv` and `metadata.json` (with the SHA-256 of every other file).

Every file is a function of the data and the settings only (no clock, no run id), so a rerun
writes the same bytes, and each is written atomically.
"""

from __future__ import annotations

import hashlib
import io
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import polars as pl

from pipelines.catalog.template import warehouse_type_code
from pipelines.exports import neutralise_formulas, write_atomically
from pipelines.open_data.datasets import Column, OpenDataset
from pipelines.open_data.suppression import SUPPRESSED_COLUMN

COORDINATE_DECIMALS = 6
DATA_FILES = ("data.csv", "data.parquet", "data.geojson", "dictionary.csv")
METADATA = "metadata.json"
DICTIONARY_HEADER = ("字段名", "中文名", "数据类型", "计量单位", "定义")
TYPE_NAMES = {"C": "字符型", "N": "数值型", "Y": "货币型", "D": "日期型", "T": "日期时间型", "L": "逻辑型",
              "M": "备注型", "G": "通用型", "B": "双精度型", "I": "整型", "F": "浮点型"}
SUPPRESSED = Column(
    name=SUPPRESSED_COLUMN, name_zh="含抑制数据", data_type="boolean", unit="",
    definition="含抑制数据 true when a count of the row was left empty: fewer than the minimum count "
               "(open_min_count), or one from which such a count could be recovered by subtraction. "
               "An empty count is not zero.",
    sensitivity="public",
)


@dataclass(frozen=True)
class WrittenFile:
    name: str
    sha256: str
    bytes: int


def published_columns(dataset: OpenDataset, frame: pl.DataFrame) -> list[Column]:
    """The columns as published, in the table's order (the `suppressed` flag after them)."""
    out = []
    for name in frame.columns:
        column = dataset.column(name) or (SUPPRESSED if name == SUPPRESSED_COLUMN else None)
        out.append(column or Column(name=name, name_zh=name, data_type="", unit="", definition="", sensitivity=""))
    return out


def csv_bytes(frame: pl.DataFrame, headers: Sequence[str]) -> bytes:
    """UTF-8 with BOM (Excel reads the Chinese headers), cells that a spreadsheet would run as
    formulas prefixed with `'`."""
    text = neutralise_formulas(frame).rename(dict(zip(frame.columns, headers, strict=True))).write_csv()
    return b"\xef\xbb\xbf" + text.encode("utf-8")


def parquet_bytes(frame: pl.DataFrame) -> bytes:
    buffer = io.BytesIO()
    frame.write_parquet(buffer, compression="zstd", statistics=True)
    return buffer.getvalue()


def _round(coordinates: Any) -> Any:
    if isinstance(coordinates, (int, float, Decimal)):
        return round(float(coordinates), COORDINATE_DECIMALS)
    return [_round(c) for c in coordinates]


def round_geometry(geometry: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """A GeoJSON geometry with every coordinate rounded to 6 decimals (about 0.1 m)."""
    if geometry is None:
        return None
    if geometry.get("type") == "GeometryCollection":
        return {"type": "GeometryCollection", "geometries": [round_geometry(g) for g in geometry["geometries"]]}
    return {"type": geometry["type"], "coordinates": _round(geometry["coordinates"])}


def _json_value(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    if hasattr(value, "as_tuple"):  # Decimal
        return float(value)
    return value


def geojson_bytes(frame: pl.DataFrame, geometry: Mapping[str, str]) -> bytes:
    """A FeatureCollection (RFC 7946, WGS 84): one feature per row, the other columns as its
    properties; the geometry from a GeoJSON column or from longitude and latitude columns."""
    source = geometry.get("geojson")
    lon, lat = geometry.get("lon"), geometry.get("lat")
    spatial = {c for c in (source,) if c}
    features = []
    for row in frame.iter_rows(named=True):
        if source:
            text = row.get(source)
            shape = round_geometry(json.loads(text)) if text else None
        else:
            x, y = row.get(lon or ""), row.get(lat or "")
            shape = None if x is None or y is None else {"type": "Point", "coordinates": _round([x, y])}
        properties = {k: _json_value(v) for k, v in row.items() if k not in spatial}
        features.append({"type": "Feature", "geometry": shape, "properties": properties})
    document = {"type": "FeatureCollection", "features": features}
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def dictionary_bytes(columns: Sequence[Column]) -> bytes:
    """One row per published column: its field name, Chinese name, type, unit and definition."""
    rows = []
    for column in columns:
        code = warehouse_type_code(column.data_type)
        rows.append({
            DICTIONARY_HEADER[0]: column.name,
            DICTIONARY_HEADER[1]: column.name_zh,
            DICTIONARY_HEADER[2]: f"{TYPE_NAMES.get(code or '', '')}{code or ''}",
            DICTIONARY_HEADER[3]: column.unit,
            DICTIONARY_HEADER[4]: column.definition,
        })
    frame = pl.DataFrame(rows, schema={h: pl.String for h in DICTIONARY_HEADER})
    return b"\xef\xbb\xbf" + neutralise_formulas(frame).write_csv().encode("utf-8")


def dataset_files(dataset: OpenDataset, frame: pl.DataFrame) -> dict[str, bytes]:
    """The data files' contents (not yet written)."""
    columns = published_columns(dataset, frame)
    files = {
        "data.csv": csv_bytes(frame, [c.name_zh for c in columns]),
        "data.parquet": parquet_bytes(frame),
        "dictionary.csv": dictionary_bytes(columns),
    }
    if dataset.geometry:
        files["data.geojson"] = geojson_bytes(frame, dataset.geometry)
    return files


def metadata(
    dataset: OpenDataset,
    frame: pl.DataFrame,
    files: Mapping[str, bytes],
    *,
    provider: str,
    provider_code: str,
    licence: str,
    as_of: date,
    suppressed_cells: int,
    min_count: int,
) -> dict[str, Any]:
    """metadata.json: what a portal shows for the dataset, and the SHA-256 of each file."""
    spec = dataset.spec
    return {
        "id": dataset.id,
        "title": spec.name,
        "summary": spec.summary,
        "resource_code": spec.code,
        "theme": dataset.theme,
        "provider": provider,
        "provider_code": provider_code,
        "open_attribute": spec.open_attribute,
        "open_condition": spec.open_condition or None,
        "licence": licence,
        "update_cycle": spec.update_cycle,
        "as_of": as_of.isoformat(),
        "release_date": as_of.isoformat(),
        "rows": frame.height,
        "columns": [c.name for c in published_columns(dataset, frame)],
        "definition": dataset.definition or None,
        "disclosure_control": (
            {"min_count": min_count, "suppressed_cells": suppressed_cells}
            if dataset.suppression else None
        ),
        "source_resources": list(spec.related),
        "files": {name: {"sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data)}
                  for name, data in sorted(files.items())},
    }


def write_dataset(folder: Path, files: Mapping[str, bytes], meta: Mapping[str, Any]) -> list[WrittenFile]:
    """Write the files (atomically), remove files of an earlier release it no longer has (a
    dataset that lost its geometry), then metadata.json last."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, data in sorted(files.items()):
        write_atomically(folder / name, data)
        written.append(WrittenFile(name, hashlib.sha256(data).hexdigest(), len(data)))
    for name in DATA_FILES:
        if name not in files:
            (folder / name).unlink(missing_ok=True)
    text = json.dumps(meta, ensure_ascii=False, indent=1, default=str).encode("utf-8")
    write_atomically(folder / METADATA, text)
    written.append(WrittenFile(METADATA, hashlib.sha256(text).hexdigest(), len(text)))
    return written
