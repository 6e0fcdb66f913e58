"""findings.xlsx: the findings with their (masked) evidence for auditors who work in Excel.

One sheet per rule (a rule with nothing found gets a sheet saying so), one row per evidence row
with its finding's columns, header frozen and filters on. Written deterministically (fixed zip
times and document dates), so the same run gives the same bytes.
"""

from __future__ import annotations

import io
import re
import zipfile
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font

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


def findings_workbook(findings: dict[str, Any]) -> bytes:
    """The workbook's bytes from the findings section's data (`status` `ok` or `not_run`)."""
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
    for rule in findings.get("rules", []) if findings.get("status") == "ok" else []:
        sheet = book.create_sheet(_sheet_name(rule["rule"], used))
        rows = _rows(rule)
        if not rows:
            sheet.append([f"{rule['title']} {rule['rule']}: 本次运行未发现 none found in this run"])
            continue
        sheet.append([label for _, label in HEADERS])
        for cell in sheet[1]:
            cell.font = bold
        for row in rows:
            sheet.append(row)
        sheet.freeze_panes = "A2"
        sheet.auto_filter.ref = sheet.dimensions
        for column, width in zip("ABCDEFGHIJKLMN", (30, 10, 12, 14, 50, 14, 10, 24, 18, 26, 40, 8, 40, 40), strict=True):
            sheet.column_dimensions[column].width = width
    book.properties.creator = "govdata"
    buffer = io.BytesIO()
    book.save(buffer)
    return _deterministic(buffer.getvalue())


def _deterministic(data: bytes) -> bytes:
    """The same workbook with fixed zip entry times and document dates."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info.filename)
            if info.filename == "docProps/core.xml":
                content = re.sub(
                    rb"(<dcterms:(created|modified)[^>]*>)[^<]*(</dcterms:)", rb"\g<1>1980-01-01T00:00:00Z\g<3>", content
                )
            entry = zipfile.ZipInfo(info.filename, date_time=_FIXED_TIME)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = info.external_attr
            target.writestr(entry, content)
    return out.getvalue()
