"""Spreadsheet readers: python-calamine and fastexcel against the ingest's own XLSX reader.

The ingest reads XLSX with a hand-written streaming reader (`pipelines/ingest/_xlsxread.py`:
the sheet XML parsed with regular expressions, cells turned into the text a person reading the
sheet would type). Issue 20 asks whether a Rust reader (python-calamine, fastexcel; both built
on the `calamine` crate) could replace it: only where it reads every fixture identically and is
not slower. This script measures both, by hand (neither library is a project dependency:
install them into the venv first, `.venv/bin/python -m pip install python-calamine fastexcel`).

Workbooks read:

- the XLSX fixtures of `tests/ingest` rebuilt here the way the tests build them (openpyxl
  workbooks of `test_formats`, `test_rejection`, `test_property`; the hand-written SpreadsheetML
  archives of `test_xlsx_reader`: rich text with phonetic runs, CJK date formats, the 1904
  calendar, namespace prefixes, cells without `r`) plus seeded random workbooks of the cell kinds
  `test_xlsx_reader`'s property test draws (text, integers, floats, booleans, dates, datetimes,
  merged ranges);
- every `*.xlsx` under `--landing` (a generated county: `govdata generate --scale small`).

Correctness: every sheet of every workbook, cell by cell, as text, keyed by Excel's row number
and column. The project's reader (`WorkbookReader.frames`, what the ingest calls) is the
reference. Each other reader is compared twice:

- `plain`: the library's own output made text the obvious way (`str()` of python-calamine's
  values with '' as empty; fastexcel's `dtypes="string"` columns), no merged-range filling;
- `adapted`: what a switch would have to write around it: numbers through the project's
  `number_text`, dates and times through `temporal_text`, booleans as TRUE/FALSE, merged
  ranges filled from the anchor (python-calamine's `merged_cell_ranges`; fastexcel has none,
  so its adapted run borrows them, and the first row's number, from python-calamine; filling
  merged ranges at the wrong rows overwrites real cells). fastexcel's string columns cannot be
  retyped (a text cell `false` and a boolean read alike), so they are left as they are.

fastexcel's columns are placed by their sheet column (`absolute_index`) in both runs; its rows
are numbered from 1 in the plain run, as it drops leading blank rows without saying how many
(the comparison reports the shift once per sheet and then compares the shifted rows).

Every differing cell is put in one kind (merged range not filled, number written differently,
date or time written differently, boolean, empty where ours has text, text where ours is empty,
row numbers shifted, other) and counted, with an example.

A third set, `synthetic`, is one register workbook of `--big-rows` rows (default 50,000: a
merged title, ID numbers as text, integers, decimals, dates, datetimes, booleans, a cell merged
down every 50 rows), the size the streaming reader was written for; the generated `small`
county's workbooks are small (about 2,000 rows at most).

Speed: each reader reads every sheet of every workbook that every reader opens, `--repeat` times
(default 3) in this process, in the form the ingest would take: ours as its frames of text,
python-calamine natively (typed rows: its floor) and adapted (text, merged ranges filled, the
same frames), fastexcel natively (its string frame; not a form the ingest could use, see the
correctness section). The median per workbook set is printed with the load average before and
after, since the machine is shared. `--memory` adds each reader's peak resident memory on the
biggest workbook, each in a fresh child process.

Usage:
    .venv/bin/python bench/readers.py --landing /tmp/county/landing
    .venv/bin/python bench/readers.py --landing /tmp/county/landing --repeat 5 --examples 3 --memory
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import os
import random
import statistics
import sys
import time
import zipfile
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from pathlib import Path

import openpyxl

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pipelines.ingest._xlsxread import (  # noqa: E402
    number_text,
    open_workbook,
    rows_frame,
    temporal_text,
)

Cells = dict[tuple[int, int], str]  # (Excel row, 0-based column) -> text, empty cells absent
Book = dict[str, Cells]  # sheet name -> cells
HEADER = ["身份证号", "姓名", "性别", "住址", "联系电话"]


# --- fixtures: the XLSX workbooks tests/ingest builds -------------------------------------------


def _openpyxl_book(sheets: dict[str, list[list[object]]],
                   merges: dict[str, list[str]] | None = None) -> bytes:
    """As `test_formats._workbook` (and `test_rejection._xlsx`, `test_property`)."""
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(row)
        for merged in (merges or {}).get(name, []):
            sheet.merge_cells(merged)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _person(i: int) -> list[str]:
    return [f"3715031990{i:08d}", f"张{i}", "1" if i % 2 else "2", f"振兴街道{i}号", f"138{i:08d}"]


def _archive(sheet_xml: str, shared: str = "", styles: str = "", workbook_pr: str = "",
             prefix: str = "", package: bool = False) -> bytes:
    """A hand-written SpreadsheetML archive, as `test_xlsx_reader._archive`; with `package`
    also the parts every Excel or WPS file has and the tests' archives lack (the package's root
    relationships `_rels/.rels` and a complete `[Content_Types].xml`), which calamine needs."""
    ns = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
    if prefix:
        ns = f'xmlns:{prefix}="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
    p = f"{prefix}:" if prefix else ""
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    files = {
        "[Content_Types].xml": "<Types/>",
        "xl/workbook.xml": (
            f'<{p}workbook {ns} xmlns:r="{rel}">{workbook_pr}<{p}sheets><{p}sheet name="数据" '
            f'sheetId="1" r:id="rId1"/></{p}sheets></{p}workbook>'
        ),
        "xl/_rels/workbook.xml.rels": (
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{rel}/worksheet" Target="/xl/worksheets/s1.xml"/>'
            f'<Relationship Id="rId2" Type="{rel}/sharedStrings" Target="sharedStrings.xml"/>'
            f'<Relationship Id="rId3" Type="{rel}/styles" Target="styles.xml"/></Relationships>'
        ),
        "xl/worksheets/s1.xml": f"<{p}worksheet {ns}><{p}sheetData>{sheet_xml}</{p}sheetData>"
                                f"</{p}worksheet>",
        "xl/sharedStrings.xml": f"<{p}sst {ns}>{shared}</{p}sst>",
        "xl/styles.xml": f"<{p}styleSheet {ns}>{styles}</{p}styleSheet>",
    }
    if package:
        kind = "application/vnd.openxmlformats-officedocument.spreadsheetml"
        files["[Content_Types].xml"] = (
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
            'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
            f'<Override PartName="/xl/workbook.xml" ContentType="{kind}.sheet.main+xml"/>'
            f'<Override PartName="/xl/worksheets/s1.xml" ContentType="{kind}.worksheet+xml"/>'
            f'<Override PartName="/xl/sharedStrings.xml" ContentType="{kind}.sharedStrings+xml"/>'
            f'<Override PartName="/xl/styles.xml" ContentType="{kind}.styles+xml"/></Types>'
        )
        files["_rels/.rels"] = (
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{rel}/officeDocument" Target="xl/workbook.xml"/>'
            "</Relationships>"
        )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, body in files.items():
            archive.writestr(name, body.encode("utf-8"))
    return out.getvalue()


_STYLES = (
    '<numFmts count="2"><numFmt numFmtId="176" formatCode="yyyy&quot;年&quot;m&quot;月&quot;d&quot;日&quot;"/>'
    '<numFmt numFmtId="177" formatCode="0.00_);[Red]\\(0.00\\)"/></numFmts>'
    '<cellXfs count="6"><xf numFmtId="0"/><xf numFmtId="31"/><xf numFmtId="176"/>'
    '<xf numFmtId="177"/><xf numFmtId="14"/><xf numFmtId="20"/></cellXfs>'
)


def _random_book(rng: random.Random) -> bytes:
    """A workbook of the cells `test_reader_agrees_with_openpyxl` draws, seeded."""
    alphabet = list("张王李 ab&<>\"'\n𠀀0123456789.-=+")

    def cell() -> object:
        kind = rng.randrange(7)
        if kind == 0:
            return None
        if kind == 1:
            text = "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 12)))
            return text if not text.startswith("=") else "'" + text
        if kind == 2:
            return rng.randint(-(10**15), 10**15)
        if kind == 3:
            return rng.choice([rng.uniform(-1e6, 1e6), rng.uniform(-1, 1) * 10 ** rng.randint(-12, 20),
                               0.1 + 0.2, 1e-7, 13800000000.0])
        if kind == 4:
            return rng.random() < 0.5
        if kind == 5:
            return dt.date(1900, 3, 1) + dt.timedelta(days=rng.randrange(73000))
        return dt.datetime(1900, 3, 1) + dt.timedelta(seconds=rng.randrange(73000 * 86400))

    book = openpyxl.Workbook()
    ws = book.active
    ws.title = "名单"
    for _ in range(rng.randint(1, 12)):
        ws.append([cell() for _ in range(rng.randint(0, 6))])
    taken: set[tuple[int, int]] = set()
    for _ in range(rng.randint(0, 2)):
        r, c, dr, dc = rng.randint(1, 12), rng.randint(1, 6), rng.randint(0, 2), rng.randint(0, 2)
        cells = {(r + i, c + j) for i in range(dr + 1) for j in range(dc + 1)}
        if (dr or dc) and not cells & taken:
            taken |= cells
            ws.merge_cells(start_row=r, start_column=c, end_row=r + dr, end_column=c + dc)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def fixtures(random_books: int = 40) -> list[tuple[str, bytes]]:
    """(name, bytes) of the ingest tests' XLSX workbooks."""
    found: list[tuple[str, bytes]] = []
    found.append(("formats/title_rows_numbers_dates", _openpyxl_book({
        "说明": [["本表由民政局导出"]],
        "名单": [
            ["茌平区花名册"], [], HEADER,
            [371503199001010012, "张三", 1, dt.date(2020, 1, 2), 13800000000.0],
            ["37150319900101002X", "李四", 2.0, dt.datetime(2020, 1, 2, 8, 30), 0.1 + 0.2],
            ["37150319900101003X", "王五", None, 1e20, 1e-7],
        ],
        "补充": [HEADER, ["37150319900101004X", "赵六", None, "地址", None]],
    })))
    found.append(("formats/total_and_signature_rows", _openpyxl_book({"名单": [
        ["2026年10月人员名单"], ["序号", *HEADER], [1, *_person(1)],
        ["小 计", None, None, None, None, None], [2, *_person(2)],
        ["合计", None, None, None, None, None],
        ["填表人：王五", None, "审核人：李四", None, "填报日期：2026年10月8日"],
        [None, None, "第 1 页 共 1 页"],
    ]})))
    found.append(("formats/merged_cells", _openpyxl_book(
        {"名单": [HEADER, ["1", "张三", "1", "振兴街道", "1"], ["2", "李四", None, None, "2"],
                 ["3", "王五", None, None, "3"]]},
        merges={"名单": ["C2:C4", "D2:D4"]},
    )))
    found.append(("formats/sheet_named_differently",
                  _openpyxl_book({"Sheet1": [HEADER, ["1", "张三", "1", "a", "1"]]})))
    found.append(("formats/instructions_sheet", _openpyxl_book({
        "名单": [["填表说明：请在 Sheet2 填写"]], "Sheet2": [HEADER, _person(3)]})))
    found.append(("formats/formulas_without_saved_result", _openpyxl_book({"名单": [
        HEADER, ["1", "张三", "=IF(1,\"1\",\"2\")", '="振兴"&"街道"', "139"]]})))
    found.append(("formats/cells_right_of_header", _openpyxl_book({"名单": [
        HEADER, ["1", "张三", "1", "a", "1", None, "多余"]]})))
    found.append(("formats/other_extension", _openpyxl_book({"Sheet1": [
        HEADER, ["1", "张三", "1", "a", "1"]]})))
    found.append(("rejection/fifty_people",
                  _openpyxl_book({"名单": [HEADER] + [_person(i) for i in range(50)]})))
    found.append(("rejection/required_column_missing",
                  _openpyxl_book({"名单": [["身份证号", "住址"], ["1", "a"], ["2", "b"]]})))
    rng = random.Random(20)
    for titles in range(3):
        rows = [[rng.choice([None, f"文本{rng.randrange(99)}", " 空格 "]) for _ in range(5)]
                for _ in range(rng.randint(0, 30))]
        found.append((f"property/titles_{titles}",
                      _openpyxl_book({"名单": [[f"标题{i}"] for i in range(titles)] + [HEADER] + rows})))
    shared = (
        "<si><t>姓名</t></si>"
        '<si><r><rPr><b/></rPr><t>张</t></r><r><t xml:space="preserve">三 </t></r>'
        '<rPh sb="0" eb="1"><t>チョウ</t></rPh></si>'
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
    for package, suffix in ((False, ""), (True, "+package_parts")):
        found.append((f"xlsx_reader/rich_text_cjk_dates_odd_cells{suffix}",
                      _archive(sheet, shared, _STYLES, package=package)))
        found.append((f"xlsx_reader/1904_calendar_namespace_prefix{suffix}", _archive(
            '<x:row r="2"><x:c r="B2" s="4"><x:v>1</x:v></x:c></x:row>',
            styles=_STYLES.replace("<", "<x:").replace("<x:/", "</x:"),
            workbook_pr='<x:workbookPr date1904="1"/>', prefix="x", package=package)))
    rng = random.Random(2026)
    for i in range(random_books):
        found.append((f"xlsx_reader/random_{i:02d}", _random_book(rng)))
    return found


def big_book(rows: int) -> bytes:
    """One sheet of `rows` register rows the way a department exports them (a merged title, a
    header, ID numbers as text, integers, decimals, dates, a boolean, a cell merged down every
    50 rows), written by openpyxl: a workbook of the size the streaming reader was built for."""
    rng = random.Random(rows)
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = "名单"
    ws.append(["茌平区人员名单"])
    ws.merge_cells("A1:J1")
    ws.append(["序号", *HEADER, "出生日期", "月收入", "登记时间", "在册"])
    for i in range(rows):
        ws.append([i + 1, *_person(i), dt.date(1950, 1, 1) + dt.timedelta(days=rng.randrange(25000)),
                   round(rng.uniform(800, 20000), 2),
                   dt.datetime(2026, 1, 1) + dt.timedelta(seconds=rng.randrange(10**7)),
                   rng.random() < 0.9])
    for start in range(3, rows + 3 - 5, 50):
        ws.merge_cells(start_row=start, start_column=5, end_row=start + 4, end_column=5)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# --- readers -------------------------------------------------------------------------------------


def read_ours(data: bytes) -> Book:
    """The ingest's reader, through the frames the ingest uses."""
    book = open_workbook(io.BytesIO(data))
    found: Book = {}
    for name in book.sheetnames:
        cells: Cells = {}
        for frame in book.frames(name):
            columns = frame.columns[1:]
            for number, *values in frame.iter_rows():
                for column, value in zip(columns, values, strict=True):
                    if value is not None and value != "":
                        cells[(number, int(column[1:]))] = value
        found[name] = cells
    return found


def _text(value: object) -> str | None:
    """A typed cell as the project's text (the adapter a switch would need)."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return number_text(value)
    if isinstance(value, (dt.datetime, dt.time, dt.timedelta)):
        return temporal_text(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _fill(cells: Cells, ranges: list[tuple[tuple[int, int], tuple[int, int]]]) -> None:
    """Fill merged ranges ((first row, first col), (last row, last col)), 0-based, in place."""
    for (r1, c1), (r2, c2) in ranges:
        anchor = cells.get((r1 + 1, c1))
        for r in range(r1, r2 + 1):
            for c in range(c1, c2 + 1):
                if (r, c) != (r1, c1):
                    if anchor is None:
                        cells.pop((r + 1, c), None)
                    else:
                        cells[(r + 1, c)] = anchor


def read_calamine(data: bytes, adapted: bool) -> Book:
    import python_calamine

    book = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
    found: Book = {}
    for name in book.sheet_names:
        sheet = book.get_sheet_by_name(name)
        cells: Cells = {}
        for r, row in enumerate(sheet.to_python(skip_empty_area=False), start=1):
            for c, value in enumerate(row):
                text = _text(value) if adapted else (None if value == "" else str(value))
                if text is not None:
                    cells[(r, c)] = text
        if adapted:
            _fill(cells, sheet.merged_cell_ranges or [])
        found[name] = cells
    return found


def read_fastexcel(data: bytes, adapted: bool) -> Book:
    """fastexcel's string columns, placed by their sheet column (`absolute_index`). It drops
    leading blank rows and exposes no first row number, so rows are numbered from 1 here (the
    comparison detects the shift); adapted, from python-calamine's first row (`start`)."""
    import fastexcel

    reader = fastexcel.read_excel(data)
    merges: dict[str, list] = {}
    starts: dict[str, int] = {}
    if adapted:
        import python_calamine

        calamine = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
        merges = {n: calamine.get_sheet_by_name(n).merged_cell_ranges or []
                  for n in calamine.sheet_names}
        starts = {n: (calamine.get_sheet_by_name(n).start or (0, 0))[0]
                  for n in calamine.sheet_names}
    found: Book = {}
    for name in reader.sheet_names:
        sheet = reader.load_sheet(name, header_row=None, dtypes="string")
        frame = sheet.to_polars()
        cells: Cells = {}
        for info, column in zip(sheet.selected_columns, frame.columns, strict=True):
            index = info.absolute_index  # `index` counts from the first non-blank column
            for r, value in enumerate(frame[column].to_list(), start=1 + starts.get(name, 0)):
                if value is not None and value != "":
                    cells[(r, index)] = value
        if adapted:
            _fill(cells, merges.get(name, []))
        found[name] = cells
    return found


def frames_ours(data: bytes) -> int:
    """What the ingest does: every sheet as frames of text (`WorkbookReader.frames`)."""
    book = open_workbook(io.BytesIO(data))
    return sum(f.height for name in book.sheetnames for f in book.frames(name))


def frames_calamine_native(data: bytes) -> int:
    """python-calamine's typed rows, nothing more (the floor a switch starts from)."""
    import python_calamine

    book = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
    return sum(len(book.get_sheet_by_name(n).to_python(skip_empty_area=False))
               for n in book.sheet_names)


def frames_calamine_adapted(data: bytes) -> int:
    """What a switch to python-calamine would do: typed rows to the project's text, merged
    ranges filled, the same frames (`rows_frame`) the ingest's stages take."""
    import python_calamine

    book = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
    height = 0
    for name in book.sheet_names:
        sheet = book.get_sheet_by_name(name)
        rows = [[_text(v) for v in row] for row in sheet.to_python(skip_empty_area=False)]
        for (r1, c1), (r2, c2) in sheet.merged_cell_ranges or []:
            anchor = rows[r1][c1] if r1 < len(rows) and c1 < len(rows[r1]) else None
            for r in range(r1, min(r2, len(rows) - 1) + 1):
                row = rows[r]
                row += [None] * (c2 + 1 - len(row))
                for c in range(c1, c2 + 1):
                    row[c] = anchor
        numbers = [i + 1 for i, row in enumerate(rows) if any(v is not None for v in row)]
        kept = [rows[i - 1] for i in numbers]
        for start in range(0, len(kept), 20_000):
            height += rows_frame(numbers[start:start + 20_000], kept[start:start + 20_000]).height
    return height


def frames_fastexcel_native(data: bytes) -> int:
    """fastexcel's string columns as a Polars frame (its fastest text; types lost)."""
    import fastexcel

    reader = fastexcel.read_excel(data)
    return sum(reader.load_sheet(n, header_row=None, dtypes="string").to_polars().height
               for n in reader.sheet_names)


TIMED: dict[str, Callable[[bytes], int]] = {
    "ours (frames)": frames_ours,
    "calamine native (typed rows)": frames_calamine_native,
    "calamine adapted (frames)": frames_calamine_adapted,
    "fastexcel native (string frame)": frames_fastexcel_native,
}


READERS: dict[str, Callable[[bytes], Book]] = {
    "ours": read_ours,
    "calamine plain": lambda d: read_calamine(d, adapted=False),
    "calamine adapted": lambda d: read_calamine(d, adapted=True),
    "fastexcel plain": lambda d: read_fastexcel(d, adapted=False),
    "fastexcel adapted": lambda d: read_fastexcel(d, adapted=True),
}


# --- comparison ----------------------------------------------------------------------------------


def _merged_cells(data: bytes) -> dict[str, set[tuple[int, int]]]:
    """(Excel row, 0-based column) of every non-anchor cell of a merged range, per sheet."""
    book = open_workbook(io.BytesIO(data))
    found: dict[str, set[tuple[int, int]]] = {}
    for name in book.sheetnames:
        cells = set()
        for r1, c1, r2, c2 in book.merged_ranges(name):
            cells |= {(r, c - 1) for r in range(r1, r2 + 1) for c in range(c1, c2 + 1)
                      if (r, c) != (r1, c1)}
        found[name] = cells
    return found


def _kind(ours: str | None, theirs: str | None, merged: bool) -> str:
    if merged and ours is not None and theirs is None:
        return "merged range not filled"
    if ours is None:
        return "text where ours is empty"
    if theirs is None:
        return "empty where ours has text"
    if ours in ("TRUE", "FALSE"):
        return "boolean written differently"
    if (len(ours) >= 8 and ours[4:5] == "-" and ours[:4].isdigit()) or (
        ":" in ours and ours[:2].isdigit()
    ):
        return "date or time written differently"
    if ours.lstrip("-").replace(".", "", 1).isdigit():
        return "number written differently"
    return "other"


def compare(ours: Book, theirs: Book, merged: dict[str, set[tuple[int, int]]]
            ) -> Iterator[tuple[str, str, tuple[int, int] | None, str | None, str | None]]:
    """(kind, sheet, cell, ours, theirs) of every difference."""
    for name in sorted(set(ours) | set(theirs)):
        if name not in theirs or name not in ours:
            yield "sheet missing", name, None, None, None
            continue
        a, b = ours[name], theirs[name]
        shift = 0
        first = min((r for r, _ in a), default=1)
        if first > 1 and sum(k in a for k in b) < sum((r + first - 1, c) in a for r, c in b):
            shift = first - 1
            yield "row numbers shifted (leading blank rows dropped)", name, None, str(first), "1"
            b = {(r + shift, c): v for (r, c), v in b.items()}
        for key in sorted(set(a) | set(b)):
            if a.get(key) != b.get(key):
                yield _kind(a.get(key), b.get(key), key in merged[name]), name, key, a.get(key), b.get(key)


# --- main ----------------------------------------------------------------------------------------


def _attempt(reader: Callable[[bytes], Book], data: bytes) -> Book | str:
    """The reader's cells, or the first line of its error (a reader failing is a finding)."""
    try:
        return reader(data)
    except Exception as exc:  # noqa: BLE001 - zipfile, XML, calamine: whatever it raises
        message = (str(exc).splitlines() or [""])[0]
        return f"{type(exc).__name__}: {message}"[:160]


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def _time(reader: Callable[[bytes], object], books: list[tuple[str, bytes]], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        for _, data in books:
            reader(data)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--landing", type=Path, help="a landing folder; its *.xlsx are read too")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs per reader (median)")
    parser.add_argument("--examples", type=int, default=2, help="examples printed per kind")
    parser.add_argument("--random-books", type=int, default=40,
                        help="seeded random workbooks added to the test fixtures")
    parser.add_argument("--big-rows", type=int, default=50_000,
                        help="rows of one synthetic register workbook (0: none)")
    parser.add_argument("--memory", action="store_true",
                        help="peak memory of each reader on the biggest workbook (child processes)")
    args = parser.parse_args(argv)
    try:
        import fastexcel  # noqa: F401
        import python_calamine  # noqa: F401
    except ImportError as exc:
        parser.error(f"{exc.name} is not installed: .venv/bin/python -m pip install "
                     "python-calamine fastexcel (into the venv only; not a project dependency)")

    sets = {"fixtures": fixtures(args.random_books)}
    if args.landing:
        landing = sorted(args.landing.rglob("*.xlsx"))
        sets["landing"] = [(str(p.relative_to(args.landing)), p.read_bytes()) for p in landing]
    outcome: dict[str, dict[str, dict[str, Book | str]]] = {}  # set -> reader -> workbook
    if args.big_rows:
        sets["synthetic"] = [(f"register_{args.big_rows}_rows", big_book(args.big_rows))]
    for label, books in sets.items():
        outcome[label] = {r: {n: _attempt(READERS[r], d) for n, d in books} for r in READERS}
        ours = outcome[label]["ours"]
        size = sum(len(d) for _, d in books)
        cells = sum(len(c) for b in ours.values() if not isinstance(b, str) for c in b.values())
        rejected = [n for n, b in ours.items() if isinstance(b, str)]
        print(f"{label}: {len(books)} workbooks, {size / 1e6:.2f} MB, {cells:,} non-empty cells"
              + (f"; ours rejects {len(rejected)} as damaged ({', '.join(rejected)})"
                 if rejected else ""))

    print("\n## Correctness (differences from ours, cell by cell as text)\n")
    for label, books in sets.items():
        reference = outcome[label]["ours"]
        merged = {n: _merged_cells(d) for n, d in books if not isinstance(reference[n], str)}
        for reader in [r for r in READERS if r != "ours"]:
            kinds: Counter[str] = Counter()
            files: dict[str, set[str]] = defaultdict(set)
            examples: dict[str, list[str]] = defaultdict(list)
            agreed_rejections = 0
            for n, _ in books:
                ours, theirs = reference[n], outcome[label][reader][n]
                if isinstance(ours, str) or isinstance(theirs, str):
                    if isinstance(ours, str) and isinstance(theirs, str):
                        agreed_rejections += 1
                        continue
                    kind = "could not read" if isinstance(theirs, str) else "reads what ours rejects"
                    kinds[kind] += 1
                    files[kind].add(n)
                    examples[kind].append(f"{n}: {theirs if isinstance(theirs, str) else ours}")
                    continue
                for kind, sheet, key, a, b in compare(ours, theirs, merged[n]):
                    kinds[kind] += 1
                    files[kind].add(n)
                    if len(examples[kind]) < args.examples:
                        where = f"{sheet}!R{key[0]}C{key[1] + 1}" if key else sheet
                        examples[kind].append(f"{n} {where}: ours {a!r}, theirs {b!r}")
            print(f"### {label}, {reader}: "
                  + ("identical" if not kinds else f"{sum(kinds.values())} differences")
                  + (f" ({agreed_rejections} damaged workbook(s) rejected by both)"
                     if agreed_rejections else ""))
            for kind, count in kinds.most_common():
                print(f"- {kind}: {count} cells in {len(files[kind])} workbooks")
                for example in examples[kind]:
                    print(f"    e.g. {example}")
            print()

    print(f"## Speed (median of {args.repeat}, seconds; every sheet of every workbook every "
          "reader opens, to text)\n")
    print("| set | reader | seconds | vs ours | load before | load after |")
    print("| --- | --- | ---: | ---: | --- | --- |")
    for label, books in sets.items():
        # only the workbooks every reader opens, so that each does the same work
        books = [(n, d) for n, d in books
                 if not any(isinstance(outcome[label][r][n], str) for r in READERS)]
        base = None
        for reader, function in TIMED.items():
            before = _load()
            seconds = _time(function, books, args.repeat)
            base = base or seconds
            print(f"| {label} | {reader} | {seconds:.3f} | {seconds / base:.2f} | {before} | {_load()} |")
    if args.memory:
        name, data = max((b for books in sets.values() for b in books), key=lambda b: len(b[1]))
        print(f"\n## Peak memory reading {name} ({len(data) / 1e6:.1f} MB), child processes\n")
        print("| reader | peak RSS MB | load after |")
        print("| --- | ---: | --- |")
        for reader in ["baseline", *TIMED]:
            print(f"| {reader} | {_peak_rss(reader, data):.0f} | {_load()} |")
    return 0


def _peak_rss(reader: str, data: bytes) -> float:
    """Peak resident memory (MB) of a fresh interpreter that imports this module, reads the
    file's bytes and runs one reader over them (`baseline`: no reader, the floor of the rest)."""
    import subprocess
    import tempfile

    with tempfile.NamedTemporaryFile(suffix=".xlsx") as handle:
        handle.write(data)
        handle.flush()
        code = (
            "import sys, pathlib; "
            f"sys.path.insert(0, {str(Path(__file__).parent)!r}); import readers; "
            f"data = pathlib.Path({handle.name!r}).read_bytes(); "
            + (f"readers.TIMED[{reader!r}](data); " if reader != "baseline" else "")
            + "print(next(l for l in open('/proc/self/status') if l.startswith('VmHWM')))"
        )
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                             check=True)
    return int(out.stdout.split()[-2]) / 1024  # "VmHWM:  123456 kB" (ru_maxrss survives exec)


if __name__ == "__main__":
    raise SystemExit(main())
