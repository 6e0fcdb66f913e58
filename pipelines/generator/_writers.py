"""Write delivered files the way departments produce them, and report where each row landed.

Every writer returns the SHA-256 of the bytes actually written and the `_line` of each data row in
the ingest's numbering (CSV: 1-based physical line where the record starts, header = 1, a title
row shifts it; XLSX: `<sheet>!<row>`; JSON, JSON Lines, GeoJSON: 1-based element index), because
truth record ids are built from both.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl


@dataclass(frozen=True)
class Written:
    """A file on disk: its path, SHA-256 and the `_line` of every data row in frame order."""

    path: Path
    sha256: str
    lines: pl.Series


def _store(path: Path, data: bytes) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return hashlib.sha256(data).hexdigest()


def _encode(text: str, encoding: str, bom: bool) -> bytes:
    """Encode as the department's system does; GBK systems turn unknown characters into '?'."""
    data = text.encode(encoding, errors="replace")
    return (b"\xef\xbb\xbf" + data) if bom and encoding.replace("-", "").lower() == "utf8" else data


def write_csv(
    frame: pl.DataFrame,
    path: Path,
    *,
    encoding: str,
    bom: bool = False,
    title: str | None = None,
    separator: str = ",",
) -> Written:
    """CSV with the frame's column names as header; `title` adds a line above it."""
    body = frame.write_csv(separator=separator, quote_style="necessary", null_value="")
    head = f"{title}\n" if title else ""
    header_line = 2 if title else 1
    data = _encode(head + body, encoding, bom)
    sha = _store(path, data)
    embedded = pl.Series([0] * frame.height, dtype=pl.Int64)
    for name in frame.columns:
        if frame.schema[name] == pl.String:
            embedded = embedded + frame[name].str.count_matches("\n").fill_null(0).cast(pl.Int64)
    starts = header_line + 1 + np.arange(frame.height) + np.concatenate(
        [[0], np.cumsum(embedded.to_numpy())[:-1]]
    ) if frame.height else np.array([], dtype=np.int64)
    return Written(path, sha, pl.Series("_line", starts.astype(np.int64)).cast(pl.String))


def write_json(frame: pl.DataFrame, path: Path, *, lines: bool, encoding: str = "utf-8") -> Written:
    """A JSON array of objects, or JSON Lines; nulls are written as JSON null."""
    if lines:
        text = frame.write_ndjson()
    else:
        records = frame.to_dicts()
        text = json.dumps(records, ensure_ascii=False, indent=1) + "\n"
    sha = _store(path, _encode(text, encoding, False))
    return Written(path, sha, pl.Series("_line", np.arange(1, frame.height + 1)).cast(pl.String))


def write_geojson(
    properties: pl.DataFrame, geometries: list[dict[str, object]], path: Path, name: str
) -> Written:
    """A GeoJSON FeatureCollection (WGS 84 longitude/latitude, as natural resources exports it)."""
    props = properties.to_dicts()
    features = [
        {"type": "Feature", "properties": p, "geometry": g}
        for p, g in zip(props, geometries, strict=True)
    ]
    doc = {"type": "FeatureCollection", "name": name, "features": features}
    text = json.dumps(doc, ensure_ascii=False, separators=(",", ":")) + "\n"
    sha = _store(path, text.encode("utf-8"))
    return Written(path, sha, pl.Series("_line", np.arange(1, len(features) + 1)).cast(pl.String))


@dataclass(frozen=True)
class Sheet:
    """One worksheet: its rows, an optional title row merged across the header, the header row."""

    name: str
    frame: pl.DataFrame
    title: str | None = None


def write_xlsx(sheets: list[Sheet], path: Path) -> Written:
    """An XLSX workbook; `_line` is `<sheet>!<row>` with Excel's 1-based row numbers.

    A sheet with a title writes it in row 1, merged across the header's width (what clerks do), so
    the header is row 2 and data starts at row 3.
    """
    from openpyxl import Workbook

    workbook = Workbook(write_only=False)
    workbook.remove(workbook.active)
    lines: list[pl.Series] = []
    for sheet in sheets:
        ws = workbook.create_sheet(sheet.name)
        first = 1
        width = max(len(sheet.frame.columns), 1)
        if sheet.title:
            ws.cell(row=1, column=1, value=sheet.title)
            if width > 1:
                ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
            first = 2
        for j, header in enumerate(sheet.frame.columns):
            ws.cell(row=first, column=j + 1, value=header)
        for row in sheet.frame.iter_rows():
            ws.append(list(row))
        start_row = first + 1
        rows = pl.Series(np.arange(start_row, start_row + sheet.frame.height)).cast(pl.String)
        lines.append(pl.select(pl.concat_str(pl.lit(f"{sheet.name}!"), rows)).to_series())
    buffer = io.BytesIO()
    workbook.save(buffer)
    sha = _store(path, _fixed_zip_times(buffer.getvalue()))
    all_lines = pl.concat(lines) if lines else pl.Series([], dtype=pl.String)
    return Written(path, sha, all_lines.alias("_line"))


def _fixed_zip_times(data: bytes) -> bytes:
    """Rewrite an XLSX zip with fixed member timestamps and document dates, so seeds give equal bytes."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            content = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                content = re.sub(
                    rb"<dcterms:(created|modified)([^>]*)>[^<]*</dcterms:\1>",
                    rb"<dcterms:\1\2>2000-01-01T00:00:00Z</dcterms:\1>",
                    content,
                )
            fixed = zipfile.ZipInfo(info.filename, date_time=(2000, 1, 1, 0, 0, 0))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = info.external_attr
            dst.writestr(fixed, content)
    return out.getvalue()
