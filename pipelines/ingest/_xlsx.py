"""XLSX workbooks: the contract's sheets, the header found under title rows, cells as text.

Cells become the text a person reading the sheet would type: integral numbers as plain digits
(no `.0`, no exponent), other numbers at Excel's 15 significant digits without float artefacts
(`0.1 + 0.2` reads `0.3`) and without exponent, dates as ISO text, booleans as TRUE/FALSE. A
merged cell's value fills every cell of its range (openpyxl's read-only mode cannot see merges,
so workbooks with merges are opened in normal mode, the others streamed). `_line` is
`<sheet>!<row>` with Excel's 1-based row number. Cells right of the header land in `_extras`
under their column letter.
"""

from __future__ import annotations

import json
import zipfile
from itertools import islice
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import polars as pl
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from pipelines.contracts import SourceContract
from pipelines.ingest._errors import FileRejected
from pipelines.ingest._headers import (
    HEADER_SEARCH_ROWS,
    HeaderMap,
    find_header,
    header_lookup,
    map_header,
)
from pipelines.ingest._rows import RAW, Chunk, RowSpec, finish

CHUNK_ROWS = 20_000


def number_text(value: float) -> str:
    """A float cell as text without binary artefacts or exponent.

    Examples:
        >>> number_text(12.0), number_text(0.1 + 0.2), number_text(1e-7), number_text(3.71e17)
        ('12', '0.3', '0.0000001', '371000000000000000')
    """
    if value != value or value in (float("inf"), float("-inf")):
        return str(value)
    if value.is_integer():
        if abs(value) < 2**53:
            return str(int(value))
        # Beyond 2**53 a float is not an exact integer: write the digits the file stated
        # (the shortest repr), not the binary value's (3.7150319900101e+17 -> 371503199001010000).
        return format(Decimal(repr(value)), "f")
    text = f"{value:.15g}"
    if "e" in text or "E" in text:
        text = format(Decimal(text), "f")
    return text


def cell_text(value: Any) -> str | None:
    """The text of one cell value as openpyxl returns it; empty cells are null."""
    kind = type(value)
    if value is None:
        return None
    if kind is str:
        return value or None
    if kind is bool:
        return "TRUE" if value else "FALSE"
    if kind is int:
        return str(value)
    if kind is float:
        return number_text(value)
    if kind is datetime:
        if value.time() == time(0) and value.tzinfo is None:
            return value.date().isoformat()
        return value.isoformat()
    if kind is date or kind is time:
        return value.isoformat()
    if kind is timedelta:
        return str(value)
    if kind is Decimal:
        return format(value, "f")
    return str(value)


@dataclass
class SheetPlan:
    """A sheet to load and its header."""

    name: str
    header_row: int  # 1-based Excel row of the header
    header: HeaderMap


class XlsxSource:
    """Reads the data sheets of a workbook in chunks."""

    format = "xlsx"

    def __init__(self, path: Path, contract: SourceContract) -> None:
        self.path = path
        self.contract = contract
        self.notes: list[str] = []
        self.merged = _has_merges(path)
        # A file object, not the path: openpyxl refuses paths whose extension is not .xlsx,
        # and the content, not the name, decides the format.
        self._handle = path.open("rb")
        try:
            self.workbook = load_workbook(self._handle, read_only=not self.merged, data_only=True)
        except FileRejected:
            raise
        except Exception as exc:  # noqa: BLE001 - openpyxl raises many kinds on a damaged file
            self._handle.close()
            raise FileRejected(f"XLSX is damaged or truncated: {type(exc).__name__}: {exc}") from None
        try:
            self.sheets = self._plan()
        except BaseException:
            self.close()
            raise

    def close(self) -> None:
        close = getattr(self.workbook, "close", None)
        if close is not None:
            close()
        self._handle.close()

    def _rows(self, name: str) -> Iterator[tuple[int, list[Any]]]:
        """`(excel row, values)` of a sheet, merged ranges filled."""
        sheet = self.workbook[name]
        fill: dict[int, dict[int, Any]] = {}
        if self.merged and hasattr(sheet, "merged_cells"):
            for merged in sheet.merged_cells.ranges:
                value = sheet.cell(merged.min_row, merged.min_col).value
                for row in range(merged.min_row, merged.max_row + 1):
                    cells = fill.setdefault(row, {})
                    for col in range(merged.min_col, merged.max_col + 1):
                        cells[col] = value
        else:
            sheet.reset_dimensions()
        for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            row = list(values)
            merged_cells = fill.get(number)
            if merged_cells:
                width = max(len(row), max(merged_cells))
                row += [None] * (width - len(row))
                for col, value in merged_cells.items():
                    row[col - 1] = value
            yield number, row

    def _plan(self) -> list[SheetPlan]:
        names = list(self.workbook.sheetnames)
        wanted = [s for s in self.contract.sheets if s in names]
        absent = [s for s in self.contract.sheets if s not in names]
        if absent:
            self.notes.append(f"sheets missing from the workbook: {', '.join(absent)}")
        explicit = bool(wanted)
        candidates = wanted or names
        lookup = header_lookup(self.contract)
        plans: list[SheetPlan] = []
        for name in candidates:
            head = [row for _, row in islice(self._rows(name), HEADER_SEARCH_ROWS)]
            index, score = find_header(head, lookup)
            if score == 0:
                if explicit:
                    raise FileRejected(f"sheet {name!r}: no header row naming a contract column")
                self.notes.append(f"sheet {name!r} has no header row; not read")
                continue
            header = map_header(
                ["" if c is None else str(c) for c in head[index]],
                self.contract,
                blank_key=lambda i: get_column_letter(i + 1),
            )
            header.notes = [f"sheet {name!r}: {n}" for n in header.notes]
            if index:
                header.notes.append(f"sheet {name!r}: {index} row(s) above the header skipped")
            plans.append(SheetPlan(name, index + 1, header))
        if not plans:
            raise FileRejected(
                f"no sheet has a header row naming a column of {self.contract.source} "
                f"(sheets: {', '.join(names)})"
            )
        for plan in plans:
            if plan.header.missing_required:
                raise FileRejected(
                    f"sheet {plan.name!r}: required columns missing: "
                    f"{', '.join(plan.header.missing_required)}",
                    rows_read=self.count_rows(),
                )
            self.notes.extend(plan.header.notes)
        if not explicit and self.contract.sheets:
            self.notes.append(f"read sheets {', '.join(p.name for p in plans)} by their header")
        return plans

    def count_rows(self) -> int:
        """Non-empty rows below the header of every data sheet."""
        total = 0
        lookup = header_lookup(self.contract)
        names = [s for s in self.contract.sheets if s in self.workbook.sheetnames]
        for name in names or self.workbook.sheetnames:
            rows = list(self._rows(name))
            index, score = find_header([r for _, r in rows[:HEADER_SEARCH_ROWS]], lookup)
            if score:
                total += sum(1 for _, r in rows[index + 1 :] if not _blank(r))
        return total

    def chunks(self) -> Iterator[Chunk]:
        for plan in self.sheets:
            batch: list[tuple[int, list[Any]]] = []
            for number, row in self._rows(plan.name):
                if number <= plan.header_row or _blank(row):
                    continue
                batch.append((number, row))
                if len(batch) >= CHUNK_ROWS:
                    yield self._chunk(plan, batch)
                    batch = []
            if batch:
                yield self._chunk(plan, batch)

    def _chunk(self, plan: SheetPlan, batch: Sequence[tuple[int, list[Any]]]) -> Chunk:
        header = plan.header
        width = header.width
        texts = [[cell_text(v) for v in row] for _, row in batch]
        overflow = sorted({i for row in texts for i in range(width, len(row)) if row[i] is not None})
        positions = list(range(width)) + overflow
        columns: dict[str, list[str | None]] = {}
        extra_keys: dict[str, str] = {}
        for position in positions:
            target = header.targets[position] if position < width else None
            name = target or f"__x{position}"
            if target is None:
                extra_keys[name] = (
                    header.extra_keys[position] if position < width
                    else get_column_letter(position + 1)
                )
            columns[name] = [row[position] if position < len(row) else None for row in texts]
        frame = pl.DataFrame(columns, schema=dict.fromkeys(columns, pl.String))
        frame = frame.with_columns(
            pl.Series("_line", [f"{plan.name}!{n}" for n, _ in batch], dtype=pl.String),
            pl.Series(
                RAW,
                [json.dumps(_trim(row), ensure_ascii=False) for row in texts],
                dtype=pl.String,
            ),
        )
        spec = RowSpec(
            contract=self.contract,
            extra_keys=extra_keys,
            header_values={t: header.fields[i] for i, t in header.mapped().items()}
            if len(header.mapped()) > 1 else {},
        )
        return finish(frame, spec, raw_text=lambda bad: bad[RAW].to_list())


def _blank(row: Sequence[Any]) -> bool:
    return all(v is None or (isinstance(v, str) and not v.strip()) for v in row)


def _trim(row: list[str | None]) -> list[str | None]:
    end = len(row)
    while end and row[end - 1] is None:
        end -= 1
    return row[:end]


def _has_merges(path: Path) -> bool:
    """Whether any worksheet declares merged cells (streamed, without parsing the XML)."""
    try:
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()
            if "xl/workbook.xml" not in names:
                raise FileRejected("zip archive is not an XLSX workbook (no xl/workbook.xml)")
            for name in names:
                if not (name.startswith("xl/worksheets/") and name.endswith(".xml")):
                    continue
                with archive.open(name) as member:
                    tail = b""
                    while block := member.read(1 << 20):
                        if b"<mergeCell " in tail + block or b"<x:mergeCell " in tail + block:
                            return True
                        tail = block[-16:]
    except FileRejected:
        raise
    except Exception as exc:  # noqa: BLE001 - zipfile/zlib errors on a damaged archive
        raise FileRejected(f"XLSX is damaged or truncated: {type(exc).__name__}: {exc}") from None
    return False
