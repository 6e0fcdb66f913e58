"""findings.xlsx: the findings with their (masked) evidence for auditors who work in Excel.

One sheet per rule (a rule with nothing found gets a sheet saying so), one row per evidence row
with its finding's columns, header frozen and filters on. Written deterministically (fixed zip
times and document dates), so the same run gives the same bytes.
"""

from __future__ import annotations

import io
import math
import re
import zipfile
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from pipelines.exports import FORMULA_PREFIXES

HEADERS = (
    ("finding_id", "发现编号 finding id"),
    ("severity_label", "严重程度 severity"),
    ("status_label", "状态 status"),
    ("disposition_label", "处置 disposition"),
    ("summary", "摘要 summary"),
    ("amount", "金额（元） amount (yuan)"),
    ("entity_kind", "对象类型 entity kind"),
    ("entity_id", "对象编号 entity id"),
    ("role", "证据角色 evidence role"),
    ("source", "数据源 source"),
    ("source_file", "文件 file"),
    ("line", "行 line"),
    ("record_id", "记录 record id"),
    ("detail", "证据内容（脱敏） detail (masked)"),
)
_FIXED_TIME = (1980, 1, 1, 0, 0, 0)
_INVALID_SHEET = re.compile(r"[\[\]:*?/\\]")


def _cell(value: Any) -> Any:
    """Text that a spreadsheet would run as a formula starts with a quote (OWASP)."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def _sheet_name(rule: str, used: set[str]) -> str:
    name = _INVALID_SHEET.sub("_", rule)[:31] or "rule"
    base, n = name, 1
    while name in used:
        n += 1
        name = f"{base[:28]}~{n}"
    used.add(name)
    return name


def _rows(rule: dict[str, Any]) -> list[list[Any]]:
    rows = []
    for finding in rule["findings"]:
        for evidence in finding["evidence"] or [{}]:
            merged = {**finding, **evidence}
            rows.append([_cell(merged.get(key)) for key, _ in HEADERS])
    return rows


def _book(findings: dict[str, Any], data_rows: bool = True) -> tuple[Workbook, dict[int, list[list[Any]]]]:
    """The workbook; with `data_rows` False, each rule sheet holds its header only and its rows are
    returned by sheet position (1-based, as the sheet's file is numbered) for `_rows_xml`."""
    book = Workbook()
    book.remove(book.active)
    bold = Font(bold=True)
    if findings.get("status") != "ok":
        sheet = book.create_sheet("未运行 not run")
        sheet.append(["发现阶段尚未运行 the findings stage has not run yet"])
    elif not findings["rules"]:
        sheet = book.create_sheet("无发现 none")
        sheet.append(["本次运行无发现 no findings in this run"])
    used: set[str] = set()
    held: dict[int, list[list[Any]]] = {}
    for rule in findings.get("rules", []) if findings.get("status") == "ok" else []:
        sheet = book.create_sheet(_sheet_name(rule["rule"], used))
        rows = _rows(rule)
        if not rows:
            sheet.append([f"{rule['title']} {rule['rule']}: 本次运行未发现 none found in this run"])
            continue
        sheet.append([label for _, label in HEADERS])
        for cell in sheet[1]:
            cell.font = bold
        if data_rows:
            for row in rows:
                sheet.append(row)
            sheet.auto_filter.ref = sheet.dimensions
        else:
            held[len(book.worksheets)] = rows
            sheet.auto_filter.ref = f"A1:{_LAST_COLUMN}{len(rows) + 1}"
        sheet.freeze_panes = "A2"
        for column, width in zip(_COLUMNS, (30, 10, 12, 14, 50, 14, 10, 24, 18, 26, 40, 8, 40, 40), strict=True):
            sheet.column_dimensions[column].width = width
    book.properties.creator = "govdata"
    return book, held


def findings_workbook(findings: dict[str, Any]) -> bytes:
    """The workbook's bytes from the findings section's data (`status` `ok` or `not_run`).

    openpyxl builds the workbook with each rule sheet's header only and its data rows' XML is
    written here (`_row_xml`, the same bytes openpyxl writes, tens of times faster: the county
    has tens of thousands of evidence rows); a value outside what `_row_xml` writes sends the
    whole workbook through openpyxl."""
    book, held = _book(findings, data_rows=False)
    try:
        patch = {f"xl/worksheets/sheet{position}.xml": (_rows_xml(rows), len(rows) + 1)
                 for position, rows in held.items()}
        return _deterministic(_saved(book), patch)
    except _NotPlain:
        return _deterministic(_saved(_book(findings)[0]))


def _saved(book: Workbook) -> bytes:
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


# --- the rule sheets' data rows, as openpyxl writes them ------------------------------------------
_COLUMNS = tuple(get_column_letter(i) for i in range(1, len(HEADERS) + 1))
_LAST_COLUMN = _COLUMNS[-1]
_ILLEGAL = re.compile(r"[\000-\010]|[\013-\014]|[\016-\037]")  # openpyxl refuses these
_ERROR_CODES = ("#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A")


class _NotPlain(Exception):
    """A value `_row_xml` does not write (openpyxl writes the workbook instead)."""


def _text(value: str) -> str:
    """An inline string cell's content: `&`, `<`, `>` escaped, `xml:space` kept where the text
    has whitespace at an end (openpyxl's rule)."""
    value = value[:32767]
    if _ILLEGAL.search(value) or (len(value) > 1 and value.startswith("=")) or value in _ERROR_CODES:
        raise _NotPlain(value)
    escaped = value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    stripped = value.strip()
    if stripped and value != stripped:
        return f'<is><t xml:space="preserve">{escaped}</t></is>'
    return f"<is><t>{escaped}</t></is>"


def _row_xml(index: int, row: list[Any]) -> str:
    parts = [f'<row r="{index}">']
    for column, value in zip(_COLUMNS, row, strict=True):
        if value is None:
            continue  # openpyxl writes no element for an empty unstyled cell
        ref = f"{column}{index}"
        if type(value) is str:
            parts.append(f'<c r="{ref}" t="inlineStr" />' if value == "" else f'<c r="{ref}" t="inlineStr">{_text(value)}</c>')
        elif type(value) in (int, float) and math.isfinite(value):
            parts.append(f'<c r="{ref}" t="n"><v>{"%.16g" % value}</v></c>')
        else:
            raise _NotPlain(value)
    parts.append("</row>")
    return "".join(parts)


def _rows_xml(rows: list[list[Any]]) -> bytes:
    """Rows 2.. of a sheet (row 1 is the header openpyxl wrote)."""
    return "".join(_row_xml(i, row) for i, row in enumerate(rows, start=2)).encode("utf-8")


def _splice(sheet: bytes, rows: bytes, height: int) -> bytes:
    """A header-only sheet's XML with the data rows after the header and its dimension grown."""
    header_only = f'<dimension ref="A1:{_LAST_COLUMN}1" />'.encode()
    if sheet.count(header_only) != 1 or sheet.count(b"</sheetData>") != 1:
        raise _NotPlain("unexpected worksheet XML from openpyxl")
    sheet = sheet.replace(header_only, f'<dimension ref="A1:{_LAST_COLUMN}{height}" />'.encode())
    return sheet.replace(b"</sheetData>", rows + b"</sheetData>")


def _deterministic(data: bytes, patch: dict[str, tuple[bytes, int]] | None = None) -> bytes:
    """The same workbook with fixed zip entry times and document dates (and the data rows of
    `patch`, by sheet file, spliced into their header-only sheets)."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info.filename)
            if patch and info.filename in patch:
                content = _splice(content, *patch[info.filename])
            if info.filename == "docProps/core.xml":
                content = re.sub(
                    rb"(<dcterms:(created|modified)[^>]*>)[^<]*(</dcterms:)", rb"\g<1>1980-01-01T00:00:00Z\g<3>", content
                )
            entry = zipfile.ZipInfo(info.filename, date_time=_FIXED_TIME)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = info.external_attr
            target.writestr(entry, content)
    return out.getvalue()
