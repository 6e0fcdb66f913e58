"""Encodings and formats: each delivered variant loads the same rows, as text, with lineage."""

from __future__ import annotations

import datetime as dt
import json

import openpyxl
import pytest

from ingest import crafted
from ingest.crafted import EVENTS, HEADER, LOGS, PARCELS, PEOPLE, PEOPLE_GBK, ROSTER, person


def _names(env, contract=PEOPLE) -> list[str]:
    return [r["姓名"] for r in crafted.raw_rows(env.warehouse, contract)]


# --- text encodings --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("label", "encode"),
    [
        ("utf-8", lambda s: s.encode("utf-8")),
        ("utf-8 with BOM", lambda s: b"\xef\xbb\xbf" + s.encode("utf-8")),
        ("gb18030", lambda s: s.encode("gb18030")),
        ("utf-16 with BOM", lambda s: s.encode("utf-16")),
    ],
)
def test_text_encodings_are_detected_from_the_bytes(env, label, encode) -> None:
    # GIVEN names with a rare character outside the Basic Multilingual Plane (𠀀, U+20000)
    rows = [person(1, 姓名="王𠀀"), person(2, 姓名="李䶮"), person(3, 住址="茌平区温陈街道")]
    env.deliver("人员名单.csv", encode(crafted.csv_text(rows)))
    # WHEN ingested
    summary = env.run()
    # THEN every character survives, whatever the encoding
    assert summary.count("loaded") == 1, summary.as_table()
    assert _names(env) == ["王𠀀", "李䶮", "张3"]
    assert crafted.raw_rows(env.warehouse, PEOPLE)[2]["住址"] == "茌平区温陈街道"


def test_gbk_hint_does_not_override_utf8_bytes(env) -> None:
    # GIVEN a contract that expects GBK, and a department that sent UTF-8 this time
    env.deliver("低保对象.csv", crafted.csv_text([person(1, 姓名="欧阳娜娜")]))
    env.run()
    assert _names(env, PEOPLE_GBK) == ["欧阳娜娜"]
    assert crafted.latest(env.warehouse, "低保对象.csv")["encoding"] == "utf-8"


def test_big_gb18030_file_with_non_bmp_characters(env) -> None:
    # GIVEN a GB18030 file large enough for several fast-path chunks' worth of rows
    rows = [person(i, 姓名=f"𠀀{i}") for i in range(3000)]
    env.deliver("人员名单.csv", crafted.csv_text(rows).encode("gb18030"))
    env.run()
    loaded = crafted.raw_rows(env.warehouse, PEOPLE)
    assert len(loaded) == 3000
    assert {r["姓名"] for r in loaded} == {f"𠀀{i}" for i in range(3000)}


# --- CSV dialects ----------------------------------------------------------------------------


@pytest.mark.parametrize("delimiter", [",", "\t"])
@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"])  # lone CR: a classic Mac export
def test_comma_or_tab_and_crlf_or_lf(env, delimiter, newline) -> None:
    rows = [person(1, 住址="振兴街道, 1号"), person(2)]
    env.deliver("人员名单.csv", crafted.csv_text(rows, delimiter=delimiter, newline=newline))
    env.run()
    loaded = crafted.raw_rows(env.warehouse, PEOPLE)
    assert [r["住址"] for r in loaded] == ["振兴街道, 1号", "振兴街道2号"]
    assert [r["_line"] for r in loaded] == ["2", "3"]


def test_lone_cr_rows_after_an_lf_header_are_read_streaming(env) -> None:
    from pipelines.ingest import _delimited

    # GIVEN an LF header, then rows ending in lone CRs, many chunks long
    env.monkeypatch.setattr(_delimited, "FAST_CHUNK_BYTES", 256)
    taken: list[int] = []
    next_chunk = _delimited._next_chunk
    env.monkeypatch.setattr(_delimited, "_next_chunk",
                            lambda *a: taken.append(len(piece := next_chunk(*a))) or piece)
    rows = [person(i) for i in range(40)]
    text = crafted.csv_text(rows, newline="\n")
    head, body = text.split("\n", 1)
    env.deliver("人员名单.csv", head + "\n" + body.replace("\n", "\r"))
    env.run()
    loaded = crafted.raw_rows(env.warehouse, PEOPLE)
    # THEN every row loads, numbered by its physical line (CR, LF and CRLF each end one)
    assert sorted((int(r["_line"]), r["姓名"]) for r in loaded) == [(i + 2, f"张{i}") for i in range(40)]
    # AND the file was never taken whole into memory in search of an LF
    assert all(size <= 2 * 256 for size in taken), taken


def test_quoted_newlines_keep_physical_line_numbers(env) -> None:
    # GIVEN an address spanning two physical lines inside quotes (header = line 1)
    text = crafted.csv_text([person(1, 住址="第一行\n第二行"), person(2), person(3, 住址="a\r\nb")],
                            newline="\r\n")
    env.deliver("人员名单.csv", text)
    env.run()
    loaded = crafted.raw_rows(env.warehouse, PEOPLE)
    # THEN the value keeps its newline and each record's _line is the line it starts on
    assert [r["住址"] for r in loaded] == ["第一行\n第二行", "振兴街道2号", "a\r\nb"]
    assert sorted(r["_line"] for r in loaded) == ["2", "4", "5"]


def test_lineage_columns(env) -> None:
    path = env.deliver("人员名单.csv", crafted.csv_text([person(1)]))
    env.run()
    (row,) = crafted.raw_rows(env.warehouse, PEOPLE)
    import hashlib

    sha = hashlib.sha256(path.read_bytes()).hexdigest()
    assert row["_file"] == f"civil/{crafted.DELIVERY}/人员名单.csv"
    assert row["_sha256"] == sha
    assert row["_line"] == "2"
    assert row["_delivery_date"] == dt.date(2026, 10, 1)
    assert row["_extras"] is None
    ledger = crafted.latest(env.warehouse, "人员名单.csv")
    assert row["_batch_id"] == ledger["batch_id"] and ledger["sha256"] == sha


def test_a_file_name_that_looks_like_sql_is_only_lineage(env) -> None:
    name = "人员名单'); drop table raw.quarantine; --.csv"
    env.deliver(name, crafted.csv_text([person(1)]))
    env.run()
    (row,) = crafted.raw_rows(env.warehouse, PEOPLE)
    assert row["_file"] == f"civil/{crafted.DELIVERY}/{name}"
    assert crafted.quarantined(env.warehouse) == []  # the table is still there
    crafted.check_ledger_invariants(env.warehouse)


def test_title_rows_above_a_csv_header(env) -> None:
    text = "茌平区低保人员名单\n制表日期：2026-09-30,,,,\n" + crafted.csv_text([person(1)])
    env.deliver("人员名单.csv", text)
    env.run()
    (row,) = crafted.raw_rows(env.warehouse, PEOPLE)
    assert row["_line"] == "4"
    assert "title row" in crafted.latest(env.warehouse, "人员名单.csv")["notes"]


# --- XLSX ------------------------------------------------------------------------------------


def _workbook(sheets: dict[str, list[list[object]]], merges: dict[str, list[str]] | None = None) -> bytes:
    import io

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


def test_xlsx_title_rows_numbers_dates_and_named_sheets(env) -> None:
    # GIVEN a workbook with a title row, a blank row, then the header; numbers and dates typed
    # as Excel numbers and dates; a notes sheet the contract does not name
    header = ["身份证号", "姓名", "性别", "住址", "联系电话"]
    data = _workbook({
        "说明": [["本表由民政局导出"]],
        "名单": [
            ["茌平区花名册"],
            [],
            header,
            [371503199001010012, "张三", 1, dt.date(2020, 1, 2), 13800000000.0],
            ["37150319900101002X", "李四", 2.0, dt.datetime(2020, 1, 2, 8, 30), 0.1 + 0.2],
            ["37150319900101003X", "王五", None, 1e20, 1e-7],
        ],
        "补充": [header, ["37150319900101004X", "赵六", None, "地址", None]],
    })
    env.deliver("花名册.xlsx", data)
    env.run()
    rows = crafted.raw_rows(env.warehouse, ROSTER)
    by_line = {r["_line"]: r for r in rows}
    # THEN integral numbers are plain digits, others have no float artefacts nor exponent
    # (an 18-digit number typed into Excel keeps 15 significant digits: it reads as digits, with
    # the zeros Excel shows, not the binary float's 371503199001009984)
    assert by_line["名单!4"]["身份证号"] == "371503199001010000"
    assert by_line["名单!4"]["性别"] == "1"
    assert by_line["名单!4"]["联系电话"] == "13800000000"
    assert by_line["名单!5"]["性别"] == "2"
    assert by_line["名单!5"]["联系电话"] == "0.3"
    assert by_line["名单!6"]["联系电话"] == "0.0000001"
    assert by_line["名单!6"]["住址"] == "100000000000000000000"
    # AND dates are ISO text
    assert by_line["名单!4"]["住址"] == "2020-01-02"
    assert by_line["名单!5"]["住址"] == "2020-01-02T08:30:00"
    # AND both named sheets load, the unnamed notes sheet does not
    assert set(by_line) == {"名单!4", "名单!5", "名单!6", "补充!2"}


def test_xlsx_total_and_signature_rows_wait_in_quarantine(env) -> None:
    # GIVEN a county form: a title, the header, records, a subtotal between groups, and the
    # total and signature lines below
    rows = [
        ["2026年10月人员名单"],
        ["序号", *HEADER],
        [1, *person(1).values()],
        ["小 计", None, None, None, None, None],
        [2, *person(2).values()],
        ["合计", None, None, None, None, None],
        ["填表人：王五", None, "审核人：李四", None, "填报日期：2026年10月8日"],
        [None, None, "第 1 页 共 1 页"],
    ]
    env.deliver("花名册.xlsx", _workbook({"名单": rows}))
    env.run()
    # THEN the records load and the other three rows are quarantined with the reason
    loaded = crafted.raw_rows(env.warehouse, ROSTER)
    assert [r["姓名"] for r in loaded] == ["张1", "张2"]
    quarantined = crafted.quarantined(env.warehouse, "花名册.xlsx")
    assert sorted(q["line"] for q in quarantined) == ["名单!4", "名单!6", "名单!7", "名单!8"]
    assert {q["reason"] for q in quarantined} == {
        "a total or signature row of the spreadsheet (合计, 填表人: ...), not a record"}
    crafted.check_ledger_invariants(env.warehouse)


def test_xlsx_merged_cells_fill_their_range(env) -> None:
    header = ["身份证号", "姓名", "性别", "住址", "联系电话"]
    data = _workbook(
        {"名单": [header, ["1", "张三", "1", "振兴街道", "1"], ["2", "李四", None, None, "2"],
                 ["3", "王五", None, None, "3"]]},
        merges={"名单": ["C2:C4", "D2:D4"]},
    )
    env.deliver("花名册.xlsx", data)
    env.run()
    rows = crafted.raw_rows(env.warehouse, ROSTER)
    assert [(r["性别"], r["住址"]) for r in rows] == [("1", "振兴街道")] * 3


def test_xlsx_sheet_named_differently_is_found_by_its_header(env) -> None:
    data = _workbook({"Sheet1": [crafted.HEADER, ["1", "张三", "1", "a", "1"]]})
    env.deliver("花名册.xlsx", data)
    env.run()
    assert len(crafted.raw_rows(env.warehouse, ROSTER)) == 1
    assert "Sheet1" in crafted.latest(env.warehouse, "花名册.xlsx")["notes"]


def test_xlsx_named_sheet_with_only_instructions_reads_the_sheet_with_the_header(env) -> None:
    # GIVEN the sheet the contract names holds only a note; the records are on another sheet
    env.deliver("花名册.xlsx", _workbook({
        "名单": [["填表说明：请在 Sheet2 填写"]],
        "Sheet2": [HEADER, list(person(3).values())],
    }))
    env.run()
    # THEN the records are read from the sheet that has the header, and both facts are noted
    assert [r["姓名"] for r in crafted.raw_rows(env.warehouse, ROSTER)] == ["张3"]
    notes = crafted.latest(env.warehouse, "花名册.xlsx")["notes"]
    assert "sheet '名单' has no header row; not read" in notes
    assert "read sheets Sheet2 by their header" in notes


def test_xlsx_formulas_without_a_saved_result_are_noted(env) -> None:
    # GIVEN a workbook written by a program: formulas, never calculated (openpyxl saves none)
    env.deliver("花名册.xlsx", _workbook({"名单": [
        HEADER, ["1", "张三", "=IF(1,\"1\",\"2\")", '="振兴"&"街道"', "139"],
    ]}))
    env.run()
    # THEN the cells read as empty, and the ledger says why
    (row,) = crafted.raw_rows(env.warehouse, ROSTER)
    assert (row["姓名"], row["性别"], row["住址"]) == ("张三", None, None)
    notes = crafted.latest(env.warehouse, "花名册.xlsx")["notes"]
    assert "sheet '名单': 2 formula cell(s) have no saved result" in notes


def test_xlsx_cells_right_of_the_header_go_to_extras(env) -> None:
    data = _workbook({"名单": [crafted.HEADER, ["1", "张三", "1", "a", "1", None, "多余"]]})
    env.deliver("花名册.xlsx", data)
    env.run()
    (row,) = crafted.raw_rows(env.warehouse, ROSTER)
    assert json.loads(row["_extras"]) == {"G": "多余"}


# --- JSON, JSON Lines, GeoJSON ---------------------------------------------------------------


def test_json_array(env) -> None:
    records = [
        {"身份证号": "1", "姓名": "张三", "联系电话": 13800000000, "住址": None},
        {"id_number": "2", "name": "李四", "住址": 1.50, "tags": ["a", {"b": 1}]},
    ]
    env.deliver("事件.json", json.dumps(records, ensure_ascii=False, indent=2).replace("1.5", "1.50"))
    env.run()
    rows = crafted.raw_rows(env.warehouse, EVENTS)
    assert [r["_line"] for r in rows] == ["1", "2"]
    assert rows[0]["联系电话"] == "13800000000" and rows[0]["住址"] is None
    # English names match too; numbers keep their delivered digits; nested values are JSON
    assert rows[1]["姓名"] == "李四" and rows[1]["住址"] == "1.50"
    assert json.loads(rows[1]["_extras"]) == {"tags": '["a",{"b":1}]'}


def test_json_lines(env) -> None:
    lines = [json.dumps(person(i), ensure_ascii=False) for i in range(3)]
    env.deliver("日志.jsonl", "\n".join(lines) + "\n")
    env.run()
    rows = crafted.raw_rows(env.warehouse, LOGS)
    assert [r["姓名"] for r in rows] == ["张0", "张1", "张2"]
    assert [r["_line"] for r in rows] == ["1", "2", "3"]


def test_json_lines_concatenated_from_exports_with_byte_order_marks(env) -> None:
    lines = ["\ufeff" + json.dumps(person(i), ensure_ascii=False) for i in range(3)]
    env.deliver("日志.jsonl", "\n".join(lines) + "\n")
    env.run()
    assert [r["姓名"] for r in crafted.raw_rows(env.warehouse, LOGS)] == ["张0", "张1", "张2"]
    assert crafted.quarantined(env.warehouse) == []


def test_json_api_response_envelope(env) -> None:
    # GIVEN an interface's page of results: the records two levels down, beside other lists
    page = {
        "code": 200,
        "msg": "操作成功",
        "data": {
            "total": 2,
            "records": [person(1), person(2)],
            "orders": [{"column": "id", "asc": True}],
        },
    }
    env.deliver("事件.json", json.dumps(page, ensure_ascii=False))
    env.run()
    # THEN the list whose keys name the contract's columns is read, and where it was is noted
    assert [r["姓名"] for r in crafted.raw_rows(env.warehouse, EVENTS)] == ["张1", "张2"]
    assert "records read from key 'data.records'" in crafted.latest(env.warehouse, "事件.json")["notes"]


def test_geojson_keeps_geometry_as_text(env) -> None:
    geometry = {"type": "Polygon", "coordinates": [[[116.25, 36.58], [116.26, 36.58], [116.25, 36.59], [116.25, 36.58]]]}
    collection = {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "properties": {"地块编号": "DK001", "权利人": "张三", "面积": 1200.5},
             "geometry": geometry},
            {"type": "Feature", "properties": {"地块编号": "DK002"}, "geometry": None},
        ],
    }
    env.deliver("地块.geojson", json.dumps(collection, ensure_ascii=False))
    env.run()
    rows = crafted.raw_rows(env.warehouse, PARCELS)
    assert [r["地块编号"] for r in rows] == ["DK001", "DK002"]
    assert json.loads(rows[0]["几何"]) == geometry
    assert rows[0]["面积"] == "1200.5"
    assert rows[1]["几何"] is None
    assert crafted.latest(env.warehouse, "地块.geojson")["format"] == "geojson"


# --- content over extension -------------------------------------------------------------------


def _legacy_workbook(sheets: dict[str, list[list[object]]], merges: dict[str, list[tuple[int, int, int, int]]] | None = None) -> bytes:
    """An Excel 97-2003 (.xls) workbook, as WPS and older Excel save them."""
    import io

    import xlwt

    book = xlwt.Workbook(encoding="utf-8")
    dated = xlwt.easyxf(num_format_str="YYYY-MM-DD")
    for name, rows in sheets.items():
        sheet = book.add_sheet(name)
        merged = {(r1, c1): (r2, c2) for r1, r2, c1, c2 in (merges or {}).get(name, [])}
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                if (r, c) in merged:
                    r2, c2 = merged[(r, c)]
                    sheet.write_merge(r, r2, c, c2, value)
                elif isinstance(value, dt.date):
                    sheet.write(r, c, value, dated)
                elif value is not None:
                    sheet.write(r, c, value)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_legacy_xls_workbook_reads_like_xlsx(env) -> None:
    # GIVEN an .xls (BIFF) workbook: a merged title, the header, numbers, a date, a boolean
    rows = [
        ["人员名单", None, None, None, None, None],
        [*HEADER, "登记日期"],
        ["371503199000000001", "张三", 1, "振兴街道1号", 13800000001, dt.date(2026, 1, 2)],
        ["371503199000000002", "李四", 2.0, "振兴街道2号", 0.1 + 0.2, True],
    ]
    env.deliver("花名册.xls", _legacy_workbook({"名单": rows}, merges={"名单": [(0, 0, 0, 5)]}))
    env.run()
    # THEN its rows load as an XLSX's would: numbers without .0, dates as ISO text
    ledger = crafted.latest(env.warehouse, "花名册.xls")
    assert (ledger["status"], ledger["format"], ledger["rows_loaded"]) == ("loaded", "xls", 2), ledger
    loaded = crafted.raw_rows(env.warehouse, ROSTER)
    assert [(r["姓名"], r["性别"], r["联系电话"], r["_line"]) for r in loaded] == [
        ("张三", "1", "13800000001", "名单!3"), ("李四", "2", "0.3", "名单!4")]
    assert [json.loads(r["_extras"]) for r in loaded] == [{"登记日期": "2026-01-02"}, {"登记日期": "TRUE"}]


def test_legacy_xls_merged_cells_fill_their_range(env) -> None:
    rows = [HEADER, ["1", "张三", "1", "振兴街道", "139"], ["2", "李四", "1", None, "138"]]
    env.deliver("花名册.xls", _legacy_workbook({"名单": rows}, merges={"名单": [(1, 2, 3, 3)]}))
    env.run()
    loaded = crafted.raw_rows(env.warehouse, ROSTER)
    assert [r["住址"] for r in loaded] == ["振兴街道", "振兴街道"]


def test_html_table_saved_as_xls_by_a_web_system_reads_like_a_sheet(env) -> None:
    # GIVEN a web system's "Excel" export: an HTML table in GBK named .xls, a title spanning
    # the columns, a header of <th>, an address spanning two rows, entities and a <br>
    page = (
        '<html><head><meta http-equiv="Content-Type" content="text/html; charset=gb2312"></head>'
        "<body><table border=1>"
        '<tr><td colspan="5">人员名单（2026年10月）</td></tr>'
        "<tr>" + "".join(f"<th>{h}</th>" for h in HEADER) + "</tr>"
        '<tr><td>371503199000000001</td><td>张&nbsp;三</td><td>1</td><td rowspan="2">振兴街道<br>1号</td><td>139</td></tr>'
        "<tr><td>371503199000000002</td><td>李四 &amp; 子</td><td>2</td><td>138</td></tr>"
        "</table></body></html>"
    )
    env.deliver("人员名单.xls", page.encode("gbk"))
    env.run()
    # THEN the rows load as a sheet's would, and the ledger says what the file really was
    ledger = crafted.latest(env.warehouse, "人员名单.xls")
    assert (ledger["status"], ledger["format"], ledger["rows_loaded"]) == ("loaded", "html", 2), ledger
    assert "content is HTML although the name ends in .xls" in ledger["notes"]
    loaded = crafted.raw_rows(env.warehouse, PEOPLE)
    assert [(r["姓名"], r["住址"], r["联系电话"], r["_line"]) for r in loaded] == [
        ("张\xa0三", "振兴街道\n1号", "139", "表1!3"), ("李四 & 子", "振兴街道\n1号", "138", "表1!4")]


@pytest.mark.parametrize("opening", ["<meta charset=\"utf-8\">", "<!-- exported -->", "<style>td {}</style>"])
def test_html_export_without_an_html_tag_is_still_markup(env, opening) -> None:
    rows = "".join("<tr>" + "".join(f"<td>{v}</td>" for v in r) + "</tr>"
                   for r in [HEADER, list(person(1).values())])
    env.deliver("人员名单.xls", f"{opening}<table>{rows}</table>")
    env.run()
    assert crafted.latest(env.warehouse, "人员名单.xls")["format"] == "html"
    assert _names(env) == ["张1"]


def test_xml_spreadsheet_2003_saved_as_xls_reads_like_a_sheet(env) -> None:
    # GIVEN Excel 2003's XML Spreadsheet named .xls: a merged title, numbers, a date, a
    # skipped column (ss:Index) and a cell merged down
    def cell(value: str, kind: str = "String", extra: str = "") -> str:
        return f'<Cell{extra}><Data ss:Type="{kind}">{value}</Data></Cell>'

    rows = [
        "<Row>" + cell("人员名单", extra=' ss:MergeAcross="4"') + "</Row>",
        "<Row>" + "".join(cell(h) for h in HEADER) + "</Row>",
        "<Row>" + cell("371503199000000001") + cell("张三") + cell("1", "Number")
        + cell("振兴街道", extra=' ss:MergeDown="1"') + cell("13800000001", "Number") + "</Row>",
        "<Row>" + cell("371503199000000002") + cell("李四")
        + cell("138.50", "Number", ' ss:Index="5"') + "</Row>",
    ]
    document = (
        '<?xml version="1.0" encoding="UTF-8"?>\n<?mso-application progid="Excel.Sheet"?>\n'
        '<Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet" '
        'xmlns:ss="urn:schemas-microsoft-com:office:spreadsheet">'
        '<Worksheet ss:Name="名单"><Table>' + "".join(rows) + "</Table></Worksheet></Workbook>"
    )
    env.deliver("花名册.xls", document)
    env.run()
    ledger = crafted.latest(env.warehouse, "花名册.xls")
    assert (ledger["status"], ledger["format"], ledger["rows_loaded"]) == ("loaded", "spreadsheetml", 2), ledger
    loaded = crafted.raw_rows(env.warehouse, ROSTER)
    assert [(r["姓名"], r["性别"], r["住址"], r["联系电话"], r["_line"]) for r in loaded] == [
        ("张三", "1", "振兴街道", "13800000001", "名单!3"), ("李四", None, "振兴街道", "138.5", "名单!4")]


def test_xlsx_bytes_named_csv_are_read_as_xlsx(env) -> None:
    env.deliver("人员名单.csv", _workbook({"Sheet1": [HEADER, ["1", "张三", "1", "a", "1"]]}))
    env.run()
    ledger = crafted.latest(env.warehouse, "人员名单.csv")
    assert (ledger["status"], ledger["format"]) == ("loaded", "xlsx"), ledger["reason"]
    assert "content is XLSX" in ledger["notes"]
    assert _names(env) == ["张三"]


def test_csv_named_xlsx_is_read_as_csv(env) -> None:
    env.deliver("花名册.xlsx", crafted.csv_text([person(1)]))
    env.run()
    assert crafted.latest(env.warehouse, "花名册.xlsx")["format"] == "csv"
    assert [r["姓名"] for r in crafted.raw_rows(env.warehouse, ROSTER)] == ["张1"]


def test_extension_the_pattern_does_not_expect_still_finds_the_contract(env) -> None:
    env.deliver("人员名单.xlsx", _workbook({"Sheet1": [HEADER, ["1", "张三", "1", "a", "1"]]}))
    env.run()
    assert _names(env) == ["张三"]


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"<html><body><p>system maintenance</p></body></html>", "HTML/XML document without a table"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600, "legacy Excel 97-2003 workbook (.xls) is damaged"),
        (b"%PDF-1.7\n...", "PDF"),
        (b"PK\x03\x04" + b"\x00" * 100, "damaged"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 8, "binary"),
    ],
)
def test_content_that_is_not_data_is_rejected_with_what_it_is(env, content, reason) -> None:
    env.deliver("人员名单.csv", content)
    env.run()
    ledger = crafted.latest(env.warehouse, "人员名单.csv")
    assert ledger["status"] == "rejected" and reason in ledger["reason"]


def test_nul_padding_after_the_text_is_quarantined_and_the_rows_load(env) -> None:
    # GIVEN a copy cut off in a preallocated file: the rows, then kilobytes of NUL bytes
    env.deliver("人员名单.csv", crafted.csv_text([person(1), person(2)]).encode() + b"\x00" * 9000)
    env.run()
    # THEN the rows load and the padding waits in quarantine as the file's last line
    assert _names(env) == ["张1", "张2"]
    (padding,) = crafted.quarantined(env.warehouse, "人员名单.csv")
    assert padding["line"] == "4" and set(padding["raw"]) == {"\x00"}
    crafted.check_ledger_invariants(env.warehouse)


def test_encoding_is_decided_by_the_whole_file_when_its_start_is_ascii(env) -> None:
    # GIVEN English headers and more than a megabyte of ASCII rows before the first Chinese
    # characters, which are GBK
    header = ["id_number", "name", "gender", "address", "phone"]
    ascii_rows = [[f"{i:018d}", f"n{i}", "1", "street", "1"] for i in range(45_000)]
    text = crafted.csv_text(ascii_rows + [["1", "欧阳修", "1", "茌平", "1"]], header=header)
    env.deliver("低保对象.csv", text.encode("gbk"))
    env.run()
    rows = crafted.raw_rows(env.warehouse, PEOPLE_GBK, "\"姓名\" = '欧阳修'")
    assert len(rows) == 1 and rows[0]["住址"] == "茌平"
    ledger = crafted.latest(env.warehouse, "低保对象.csv")
    assert (ledger["encoding"], ledger["rows_loaded"]) == ("gb18030", 45_001)
