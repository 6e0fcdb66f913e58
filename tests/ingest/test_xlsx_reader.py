"""The streaming XLSX reader against openpyxl (random workbooks) and against hand-written
SpreadsheetML that Excel, WPS and home-made exporters produce (shared strings with rich text and
phonetic runs, CJK date formats, the 1904 calendar, namespace prefixes, cells without `r`)."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

import openpyxl
from hypothesis import given, settings
from hypothesis import strategies as st

from pipelines.ingest._xlsxread import number_text, open_workbook, temporal_text

text = st.text(
    alphabet=st.sampled_from(list("张王李 ab&<>\"'\n𠀀0123456789.-=+")), min_size=1, max_size=12
)
cell = st.one_of(
    st.none(),
    text,
    st.integers(-(10**15), 10**15),
    st.floats(allow_nan=False, allow_infinity=False, width=64).filter(lambda f: abs(f) < 1e300),
    st.booleans(),
    st.dates(min_value=dt.date(1900, 3, 1), max_value=dt.date(2100, 1, 1)),
    st.datetimes(min_value=dt.datetime(1900, 3, 1), max_value=dt.datetime(2100, 1, 1)).map(
        lambda d: d.replace(microsecond=0)
    ),
)


def _reference(value: object) -> str | None:
    """What a reader must give for a cell value openpyxl reads back."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return number_text(value)
    if isinstance(value, (dt.datetime, dt.time)):
        return temporal_text(value)
    return str(value)


def _openpyxl_rows(data: bytes, sheet: str) -> list[tuple[int, list[str | None]]]:
    book = openpyxl.load_workbook(io.BytesIO(data), data_only=True)
    ws = book[sheet]
    values = {}
    for row in ws.iter_rows():
        for c in row:
            values[(c.row, c.column)] = c.value
    for merged in ws.merged_cells.ranges:
        anchor = values.get((merged.min_row, merged.min_col))
        for r in range(merged.min_row, merged.max_row + 1):
            for col in range(merged.min_col, merged.max_col + 1):
                values[(r, col)] = anchor
    rows = []
    for r in range(1, ws.max_row + 1):
        texts = [_reference(values.get((r, col))) for col in range(1, ws.max_column + 1)]
        while texts and texts[-1] is None:
            texts.pop()
        if texts:
            rows.append((r, texts))
    return rows


def _ours(data: bytes, sheet: str) -> list[tuple[int, list[str | None]]]:
    """The reader's rows, row by row, after checking that the vectorised block reader (what
    the ingest uses) gives the same."""
    book = open_workbook(io.BytesIO(data))
    rows = []
    for number, values in book.rows(sheet):
        values = list(values)
        while values and values[-1] is None:
            values.pop()
        if values:
            rows.append((number, values))
    blocks = []
    for frame in book.frames(sheet):
        for number, *values in frame.iter_rows():
            while values and values[-1] is None:
                values.pop()
            if values:
                blocks.append((number, values))
    assert blocks == rows
    return rows


@settings(max_examples=40, deadline=None)
@given(
    rows=st.lists(st.lists(cell, max_size=6), min_size=1, max_size=12),
    merges=st.lists(st.tuples(st.integers(1, 12), st.integers(1, 6), st.integers(0, 2),
                              st.integers(0, 2)), max_size=2),
)
def test_reader_agrees_with_openpyxl(rows, merges) -> None:
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = "名单"
    for row in rows:
        ws.append(row)
    taken: set[tuple[int, int]] = set()
    for r, c, dr, dc in merges:
        cells = {(r + i, c + j) for i in range(dr + 1) for j in range(dc + 1)}
        if (dr or dc) and not cells & taken:
            taken |= cells
            ws.merge_cells(start_row=r, start_column=c, end_row=r + dr, end_column=c + dc)
    out = io.BytesIO()
    book.save(out)
    data = out.getvalue()
    assert _ours(data, "名单") == _openpyxl_rows(data, "名单")


def _archive(sheet_xml: str, shared: str = "", styles: str = "", workbook_pr: str = "",
             prefix: str = "") -> bytes:
    ns = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
    if prefix:
        ns = f'xmlns:{prefix}="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
    p = f"{prefix}:" if prefix else ""
    files = {
        "[Content_Types].xml": "<Types/>",
        "xl/workbook.xml": (
            f'<{p}workbook {ns} xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/'
            f'relationships">{workbook_pr}<{p}sheets><{p}sheet name="数据" sheetId="1" '
            f'r:id="rId1"/></{p}sheets></{p}workbook>'
        ),
        "xl/_rels/workbook.xml.rels": (
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
            'relationships/worksheet" Target="/xl/worksheets/s1.xml"/>'
            '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
            'relationships/sharedStrings" Target="sharedStrings.xml"/>'
            '<Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
            'relationships/styles" Target="styles.xml"/></Relationships>'
        ),
        "xl/worksheets/s1.xml": f"<{p}worksheet {ns}><{p}sheetData>{sheet_xml}</{p}sheetData>"
                                f"</{p}worksheet>",
        "xl/sharedStrings.xml": f"<{p}sst {ns}>{shared}</{p}sst>",
        "xl/styles.xml": f"<{p}styleSheet {ns}>{styles}</{p}styleSheet>",
    }
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, body in files.items():
            archive.writestr(name, body.encode("utf-8"))
    return out.getvalue()


STYLES = (
    '<numFmts count="2"><numFmt numFmtId="176" formatCode="yyyy&quot;年&quot;m&quot;月&quot;d&quot;日&quot;"/>'
    '<numFmt numFmtId="177" formatCode="0.00_);[Red]\\(0.00\\)"/></numFmts>'
    '<cellXfs count="6"><xf numFmtId="0"/><xf numFmtId="31"/><xf numFmtId="176"/>'
    '<xf numFmtId="177"/><xf numFmtId="14"/><xf numFmtId="20"/></cellXfs>'
)


def _expected_rich() -> list[tuple[int, list[str | None]]]:
    return [
        (1, ["姓名", "张三 "]),
        (3, ["2020-01-02", "2020-01-02", "1234.5", "2020-01-02T12:00:00", "18:00:00"]),
        (4, ["a & b <c>", "TRUE", "#N/A", "姓名x", "内联"]),
        (5, [None, None, "371503199001010012", "371503199001010000", "0.0000001", "line\rbreak"]),
        (6, []),
    ]


def test_shared_strings_rich_text_cjk_dates_and_odd_cells() -> None:
    shared = (
        "<si><t>姓名</t></si>"
        '<si><r><rPr><b/></rPr><t>张</t></r><r><t xml:space="preserve">三 </t></r>'
        "<rPh sb=\"0\" eb=\"1\"><t>チョウ</t></rPh></si>"
        "<si><t>a &amp; b &lt;c&gt;</t></si>"
        "<si><t>line_x000D_break</t></si>"
    )
    sheet = (
        '<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c></row>'
        '<row r="3"><c r="A3" s="1"><v>43832</v></c><c r="B3" s="2"><v>43832</v></c>'
        '<c r="C3" s="3"><v>1234.5</v></c><c r="D3" s="4"><v>43832.5</v></c>'
        '<c r="E3" s="5"><v>0.75</v></c></row>'
        '<row r="4"><c t="s"><v>2</v></c><c t="b"><v>1</v></c><c t="e"><v>#N/A</v></c>'
        '<c t="str"><f>A1&amp;"x"</f><v>姓名x</v></c><c t="inlineStr"><is><t>内联</t></is></c></row>'
        '<row r="5"><c r="C5"><v>371503199001010012</v></c><c r="D5"><v>3.7150319900101E+17</v></c>'
        '<c r="E5"><v>1.0000000000000001E-7</v></c><c r="F5" t="s"><v>3</v></c></row>'
        '<row r="6"/>'
    )
    book = open_workbook(io.BytesIO(_archive(sheet, shared, STYLES)))
    assert _ours(_archive(sheet, shared, STYLES), "数据") == [
        r for r in _expected_rich() if r[1]
    ]
    assert list(book.rows("数据")) == [
        (1, ["姓名", "张三 "]),
        (3, ["2020-01-02", "2020-01-02", "1234.5", "2020-01-02T12:00:00", "18:00:00"]),
        (4, ["a & b <c>", "TRUE", "#N/A", "姓名x", "内联"]),
        (5, [None, None, "371503199001010012", "371503199001010000", "0.0000001", "line\rbreak"]),
        (6, []),
    ]


def test_1904_calendar_and_namespace_prefixes() -> None:
    sheet = '<x:row r="2"><x:c r="B2" s="4"><x:v>1</x:v></x:c></x:row>'
    data = _archive(sheet, styles=STYLES.replace("<", "<x:").replace("<x:/", "</x:"),
                    workbook_pr='<x:workbookPr date1904="1"/>', prefix="x")
    assert _ours(data, "数据") == [(2, [None, "1904-01-02"])]
