"""Spreadsheets that are markup: HTML tables and XML Spreadsheet 2003 files, usually named `.xls`.

Many web-based government systems "export to Excel" by writing an HTML table (or, from Java
back ends, Excel 2003's XML Spreadsheet) into a file named `.xls`; Excel and WPS open both
without complaint, so departments deliver them as spreadsheets. The readers here offer the same
sheets-of-text interface as the XLSX reader (`_xlsxread.WorkbookReader`), so the XLSX source finds
the header, maps the contract and checks rows the same way: an HTML table is a sheet named
`表<n>` (its `<caption>` when it has one), its `<tr>` the rows; a cell spanning rows or columns
fills every cell of its span, as a merged range does. Text is decoded by the same detection as
CSV files (BOM, UTF-8, GB18030) unless the file declares its charset.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from datetime import datetime
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import polars as pl

from pipelines.ingest._sniff import best_encoding
from pipelines.ingest._xlsxread import number_text, row_frames, temporal_text

FRAME_ROWS = 20_000
_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([A-Za-z0-9_-]+)""", re.IGNORECASE)
_SPREADSHEETML = "urn:schemas-microsoft-com:office:spreadsheet"
_SPACES = re.compile(r"[ \t\r\n\f]+")


class MarkupWorkbook:
    """Tables of an HTML page or worksheets of an XML Spreadsheet 2003, as sheets of rows of
    text (the interface of `WorkbookReader`)."""

    def __init__(self, sheets: dict[str, list[tuple[int, list[str | None]]]]) -> None:
        self._sheets = sheets
        self.unsaved_formulas: dict[str, int] = {}

    @property
    def sheetnames(self) -> list[str]:
        return list(self._sheets)

    def rows(self, name: str) -> Iterator[tuple[int, list[str | None]]]:
        for number, values in self._sheets[name]:
            yield number, list(values)

    def frames(self, name: str) -> Iterator[pl.DataFrame]:
        return row_frames(self.rows(name), FRAME_ROWS)


def open_markup_workbook(path: Path) -> tuple[str, MarkupWorkbook] | None:
    """`(format, workbook)` of an HTML page with tables or an XML Spreadsheet 2003, else None
    (a page with no table is not data). Raises on XML that is not well formed."""
    content = path.read_bytes()
    if _SPREADSHEETML.encode() in content[:65536]:  # declared on the root element
        sheets = _spreadsheetml(content)
        return ("spreadsheetml", MarkupWorkbook(sheets)) if sheets else None
    text = _decode(path, content)
    parser = _TableParser()
    parser.feed(text)
    parser.close()
    sheets = {name: rows for name, rows in parser.tables.items() if rows}
    return ("html", MarkupWorkbook(sheets)) if sheets else None


def _decode(path: Path, content: bytes) -> str:
    declared = _CHARSET.search(content[:4096])
    if declared:
        try:
            return content.decode(declared.group(1).decode("ascii"))
        except (LookupError, UnicodeDecodeError):
            pass  # a wrong declaration: detect from the bytes, as for CSV
    encoding, _ = best_encoding(path, "utf-8")
    return content.decode(encoding.codec, errors="replace")


class _Span:
    """Where a spanning cell still covers rows below it."""

    def __init__(self, value: str | None, rows_left: int) -> None:
        self.value = value
        self.rows_left = rows_left


class _TableParser(HTMLParser):
    """Rows of every `<table>`; nested tables are tables of their own."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tables: dict[str, list[tuple[int, list[str | None]]]] = {}
        self._stack: list[dict[str, Any]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table":
            name = f"表{len(self.tables) + 1}"
            self.tables[name] = []
            self._stack.append({"name": name, "row": None, "cell": None, "spans": {},
                                "caption": None, "number": 0})
        elif not self._stack:
            return
        table = self._stack[-1]
        if tag == "caption":
            table["caption"] = []
        elif tag == "tr":
            self._end_row(table)
            table["row"] = []
        elif tag in ("td", "th"):
            self._end_cell(table)
            if table["row"] is None:
                table["row"] = []
            given = dict(attrs)
            table["cell"] = {"text": [], "colspan": _span(given.get("colspan")),
                             "rowspan": _span(given.get("rowspan"))}
        elif tag == "br" and table["cell"] is not None:
            table["cell"]["text"].append("\n")

    def handle_endtag(self, tag: str) -> None:
        if not self._stack:
            return
        table = self._stack[-1]
        if tag in ("td", "th"):
            self._end_cell(table)
        elif tag == "tr":
            self._end_row(table)
        elif tag == "caption" and table["caption"] is not None:
            table["caption"] = "".join(table["caption"]).strip() or None
        elif tag == "table":
            self._end_row(table)
            self._stack.pop()
            caption = table["caption"]
            if isinstance(caption, str) and caption not in self.tables:
                self.tables[caption] = self.tables.pop(table["name"])

    def handle_data(self, data: str) -> None:
        if not self._stack:
            return
        table = self._stack[-1]
        if table["cell"] is not None:
            table["cell"]["text"].append(data)
        elif isinstance(table["caption"], list):
            table["caption"].append(data)

    def close(self) -> None:
        super().close()
        while self._stack:
            self.handle_endtag("table")

    def _end_cell(self, table: dict[str, Any]) -> None:
        cell = table["cell"]
        if cell is None:
            return
        table["cell"] = None
        text = "\n".join(_SPACES.sub(" ", part).strip() for part in "".join(cell["text"]).split("\n"))
        value = text.strip() or None
        row, spans = table["row"], table["spans"]
        for _ in range(cell["colspan"]):
            while len(row) in spans:  # columns a cell above still covers
                row.append(spans[len(row)].value)
                _used(spans, len(row) - 1)
            if cell["rowspan"] > 1:
                spans[len(row)] = _Span(value, cell["rowspan"] - 1)
            row.append(value)

    def _end_row(self, table: dict[str, Any]) -> None:
        self._end_cell(table)
        row = table["row"]
        if row is None:
            return
        spans = table["spans"]
        for col in sorted(c for c in spans if c >= len(row)):  # spans right of the last cell
            row += [None] * (col - len(row))
            row.append(spans[col].value)
            _used(spans, col)
        for col in [c for c, s in spans.items() if s.rows_left <= 0]:
            del spans[col]
        table["number"] += 1
        self.tables[table["name"]].append((table["number"], row))
        table["row"] = None


def _used(spans: dict[int, _Span], col: int) -> None:
    spans[col].rows_left -= 1


def _span(value: str | None) -> int:
    try:
        return max(1, min(int(value or 1), 1000))
    except ValueError:
        return 1


def _spreadsheetml(content: bytes) -> dict[str, list[tuple[int, list[str | None]]]]:
    """Worksheets of an XML Spreadsheet 2003: `Row`/`Cell` with `ss:Index` gaps, merged cells
    (`ss:MergeAcross`, `ss:MergeDown`) filled, `Data` by its `ss:Type`."""
    ns = {"ss": _SPREADSHEETML}
    index, merge_across, merge_down = (f"{{{_SPREADSHEETML}}}{a}" for a in ("Index", "MergeAcross", "MergeDown"))
    kind_attr, name_attr = f"{{{_SPREADSHEETML}}}Type", f"{{{_SPREADSHEETML}}}Name"
    root = ET.fromstring(content)
    sheets: dict[str, list[tuple[int, list[str | None]]]] = {}
    for position, sheet in enumerate(root.findall("ss:Worksheet", ns), start=1):
        name = sheet.get(name_attr) or f"Sheet{position}"
        rows: list[tuple[int, list[str | None]]] = []
        below: dict[tuple[int, int], str | None] = {}  # (row, col) covered by a MergeDown
        number = 0
        for row in sheet.findall("ss:Table/ss:Row", ns):
            number = int(row.get(index) or number + 1)
            values: list[str | None] = []
            for cell in row.findall("ss:Cell", ns):
                col = int(cell.get(index) or 0) - 1
                while len(values) < col:
                    values.append(below.pop((number, len(values)), None))
                while (number, len(values)) in below:
                    values.append(below.pop((number, len(values))))
                data = cell.find("ss:Data", ns)
                value = _data_text(data, kind_attr) if data is not None else None
                across, down = int(cell.get(merge_across) or 0), int(cell.get(merge_down) or 0)
                for offset in range(across + 1):
                    for extra in range(1, down + 1):
                        below[(number + extra, len(values))] = value
                    values.append(value)
            for key in sorted(k for k in below if k[0] == number):
                while len(values) < key[1]:
                    values.append(None)
                values.append(below.pop(key))
            rows.append((number, values))
        sheets[name] = rows
    return {name: rows for name, rows in sheets.items() if rows}


def _data_text(data: ET.Element, kind_attr: str) -> str | None:
    text = "".join(data.itertext())
    kind = data.get(kind_attr, "String")
    if not text.strip():
        return None
    if kind == "Number":
        try:
            return number_text(float(text))
        except ValueError:
            return text
    if kind == "DateTime":
        try:
            return temporal_text(datetime.fromisoformat(text.strip()))
        except ValueError:
            return text
    if kind == "Boolean":
        return "TRUE" if text.strip() in ("1", "true", "TRUE") else "FALSE"
    return text


__all__ = ["MarkupWorkbook", "open_markup_workbook"]
