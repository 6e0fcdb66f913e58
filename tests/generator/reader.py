"""An independent reader of landing files, written for the tests (not the ingest, not the generator).

It decodes each file as its contract says, finds the header, and returns every data row as text
with its `_line` in the ingest's numbering, so that tests can check the files and count the mess
in them without trusting the generator's own log.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from pipelines.contracts import SourceContract, match_contract


@dataclass(frozen=True)
class Parsed:
    """A landing file read back: its contract, headers as delivered, rows (text) with `_line`."""

    path: Path
    relative: str
    contract: SourceContract
    headers: list[str]
    rows: pl.DataFrame  # one String column per delivered header, plus `_line`
    encoding: str
    malformed_lines: list[str]  # CSV rows whose field count differs from the header's


def landing_files(landing: Path) -> list[Path]:
    return sorted(p for p in landing.rglob("*") if p.is_file())


def contract_of(landing: Path, path: Path) -> SourceContract:
    department = path.relative_to(landing).parts[0]
    contract = match_contract(department, path.name)
    assert contract is not None, f"{path} matches no contract"
    return contract


def _decode(data: bytes, contract: SourceContract) -> tuple[str, str]:
    """Text and the encoding that decoded it: BOM first, then strict UTF-8, then the contract's."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8"), "utf-8-sig"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        return data.decode(contract.encoding), contract.encoding


def _known(contract: SourceContract, cells: list[object]) -> int:
    return sum(1 for c in cells if c is not None and contract.column_for_header(str(c)) is not None)


def read(landing: Path, path: Path) -> Parsed:
    contract = contract_of(landing, path)
    relative = path.relative_to(landing).as_posix()
    if contract.format == "csv":
        return _read_csv(path, relative, contract)
    if contract.format == "xlsx":
        return _read_xlsx(path, relative, contract)
    return _read_json(path, relative, contract)


def _read_csv(path: Path, relative: str, contract: SourceContract) -> Parsed:
    text, encoding = _decode(path.read_bytes(), contract)
    reader = csv.reader(io.StringIO(text, newline=""))
    header: list[str] | None = None
    rows: list[list[str]] = []
    lines: list[str] = []
    bad: list[str] = []
    start = 1
    for record in reader:
        line = start
        start = reader.line_num + 1
        if header is None:
            if _known(contract, record) >= max(1, len(record) // 2):
                header = record
            continue
        if len(record) != len(header):
            bad.append(str(line))
            continue
        rows.append(record)
        lines.append(str(line))
    assert header is not None, f"{relative}: no header row"
    frame = pl.DataFrame(rows, schema=dict.fromkeys(header, pl.String), orient="row") if rows else pl.DataFrame(
        schema=dict.fromkeys(header, pl.String))
    frame = frame.with_columns(
        [pl.when(pl.col(h) == "").then(None).otherwise(pl.col(h)).alias(h) for h in header]
    ).with_columns(_line=pl.Series(lines, dtype=pl.String))
    return Parsed(path, relative, contract, header, frame, encoding, bad)


def _cell(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _read_xlsx(path: Path, relative: str, contract: SourceContract) -> Parsed:
    from openpyxl import load_workbook

    workbook = load_workbook(path, read_only=True, data_only=True)
    frames = []
    headers: list[str] = []
    for sheet in workbook.worksheets:
        header: list[str] | None = None
        rows, lines = [], []
        for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            cells = [_cell(v) for v in values]
            if header is None:
                if _known(contract, cells) >= max(1, len([c for c in cells if c]) // 2):
                    header = [c or "" for c in cells]
                continue
            if all(c is None for c in cells):
                continue
            rows.append(cells[: len(header)] + [None] * (len(header) - len(cells)))
            lines.append(f"{sheet.title}!{number}")
        if header is None:
            continue
        headers = header
        frame = pl.DataFrame(rows, schema=dict.fromkeys(header, pl.String), orient="row") if rows else pl.DataFrame(
            schema=dict.fromkeys(header, pl.String))
        frames.append(frame.with_columns(_line=pl.Series(lines, dtype=pl.String)))
    workbook.close()
    assert frames, f"{relative}: no sheet with a header"
    return Parsed(path, relative, contract, headers, pl.concat(frames, how="diagonal"), "xlsx", [])


def _read_json(path: Path, relative: str, contract: SourceContract) -> Parsed:
    text = path.read_text(encoding="utf-8")
    if contract.format == "jsonl":
        items = [json.loads(line) for line in text.splitlines() if line.strip()]
    else:
        doc = json.loads(text)
        if contract.format == "geojson":
            items = [{**f["properties"], "geometry": json.dumps(f["geometry"], ensure_ascii=False)}
                     for f in doc["features"]]
        else:
            items = doc
    headers = list(dict.fromkeys(k for item in items for k in item))
    rows = [[None if item.get(h) is None else str(item.get(h)) for h in headers] for item in items]
    frame = pl.DataFrame(rows, schema=dict.fromkeys(headers, pl.String), orient="row").with_columns(
        _line=pl.Series([str(i) for i in range(1, len(items) + 1)], dtype=pl.String))
    return Parsed(path, relative, contract, headers, frame, "utf-8", [])


def by_type(parsed: Parsed, column_type: str) -> list[str]:
    """Delivered headers of the file whose contract column has the given type."""
    out = []
    for header in parsed.headers:
        column = parsed.contract.column_for_header(header)
        if column is not None and column.type == column_type:
            out.append(header)
    return out
