"""Row quarantine, header drift, and values that look like code: the file loads, bad rows wait in
raw.quarantine with a reason, nothing is lost."""

from __future__ import annotations

import json

import pytest

from ingest import crafted
from ingest.crafted import EVENTS, HEADER, LOGS, PEOPLE, person


def _line(fields: list[str]) -> str:
    return ",".join(fields)


def _ok(i: int) -> str:
    return _line(list(person(i).values()))


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_bad_rows_are_quarantined_and_the_rest_loads(env, newline) -> None:
    lines = [
        _line(HEADER),
        _ok(1),
        _line(["37150319900101000X", "少一列", "1", "地址"]),  # wrong field count (4 of 5)
        _line(["37150319900101000X", "多一列", "1", "地址", "1", "x"]),  # 6 of 5
        _ok(2),
        _line(["37150319900101000X", "名字太长了超过十个字符的名字", "1", "地址", "1"]),  # max 10
        _line(["37150319900101000X", "空\x00字节", "1", "地址", "1"]),  # NUL
        _line(["37150319900101000X", "响铃", "1", "地址\x07", "1"]),  # BEL control byte
        _ok(3),
        _line(["37150319900101009X", "截断"]),  # cut short at end of file: no final newline
    ]
    env.deliver("人员名单.csv", newline.join(lines))
    env.run()
    loaded = crafted.raw_rows(env.warehouse, PEOPLE)
    assert [r["姓名"] for r in loaded] == ["张1", "张2", "张3"]
    assert [r["_line"] for r in loaded] == ["2", "5", "9"]
    bad = {q["line"]: q for q in crafted.quarantined(env.warehouse)}
    assert set(bad) == {"3", "4", "6", "7", "8", "10"}
    assert "4 fields, the header has 5" in bad["3"]["reason"] and bad["3"]["column"] is None
    assert "6 fields" in bad["4"]["reason"]
    assert bad["6"]["column"] == "姓名" and "maximum of 10" in bad["6"]["reason"]
    assert bad["7"]["column"] == "姓名" and "U+0000" in bad["7"]["reason"]
    assert bad["8"]["column"] == "住址" and "U+0007" in bad["8"]["reason"]
    assert "cut short at end of file" in bad["10"]["reason"]
    # the original text of each row is kept exactly
    assert [bad[str(n)]["raw"] for n in (3, 4, 6, 7, 8, 10)] == [lines[n - 1] for n in (3, 4, 6, 7, 8, 10)]
    ledger = crafted.latest(env.warehouse, "人员名单.csv")
    assert (ledger["rows_read"], ledger["rows_loaded"], ledger["rows_quarantined"]) == (9, 3, 6)
    crafted.check_ledger_invariants(env.warehouse)


def test_a_stray_quote_does_not_swallow_the_rows_after_it(env) -> None:
    lines = [_line(HEADER), _ok(1), '37150319900101000X,"未闭合,1,地址,1', _ok(2), _ok(3)]
    env.deliver("人员名单.csv", "\n".join(lines) + "\n")
    env.run()
    assert [r["姓名"] for r in crafted.raw_rows(env.warehouse, PEOPLE)] == ["张1", "张2", "张3"]
    (bad,) = crafted.quarantined(env.warehouse)
    assert bad["line"] == "3" and "quot" in bad["reason"] and bad["raw"] == lines[2]


def test_undecodable_bytes_in_one_row_quarantine_that_row(env) -> None:
    good = crafted.csv_text([person(1), person(2)]).encode("utf-8")
    damaged = good + "37150319900101000X,坏".encode() + b"\xff\xfe" + "字,1,地址,1\n".encode()
    env.deliver("人员名单.csv", damaged)
    env.run()
    assert len(crafted.raw_rows(env.warehouse, PEOPLE)) == 2
    (bad,) = crafted.quarantined(env.warehouse)
    assert bad["line"] == "4" and "not valid utf-8" in bad["reason"] and bad["column"] == "姓名"
    assert "\\xff\\xfe" in bad["raw"]


def test_repeated_header_row_is_quarantined(env) -> None:
    text = crafted.csv_text([person(1)]) + _line(HEADER) + "\n" + _ok(2) + "\n"
    env.deliver("人员名单.csv", text)
    env.run()
    assert len(crafted.raw_rows(env.warehouse, PEOPLE)) == 2
    (bad,) = crafted.quarantined(env.warehouse)
    assert bad["reason"] == "repeated header row"


def test_rows_without_any_value_are_quarantined(env) -> None:
    # GIVEN a spreadsheet's CSV with empty rows below (and between) its data, and a JSON Lines
    # file with an object whose fields are all blank
    text = (crafted.csv_text([person(1)]) + ",,,,\n" + _ok(2) + "\n" + " , ,\u3000,, \n" + ",,,,\n"
            + ",,," + " " * 24 + ",\n")  # an address padded to its fixed width
    env.deliver("人员名单.csv", text)
    env.deliver("日志.jsonl", json.dumps({"姓名": " ", "身份证号": None}, ensure_ascii=False) + "\n"
                + json.dumps(person(3), ensure_ascii=False) + "\n")
    env.run()
    # THEN they are quarantined with that reason, counted, and the rows with values load
    assert [r["姓名"] for r in crafted.raw_rows(env.warehouse, PEOPLE)] == ["张1", "张2"]
    assert [r["姓名"] for r in crafted.raw_rows(env.warehouse, LOGS)] == ["张3"]
    bad = sorted((q["file"].rsplit("/", 1)[-1], q["line"], q["reason"]) for q in crafted.quarantined(env.warehouse))
    assert bad == [("人员名单.csv", "3", "every field is empty"), ("人员名单.csv", "5", "every field is empty"),
                   ("人员名单.csv", "6", "every field is empty"), ("人员名单.csv", "7", "every field is empty"),
                   ("日志.jsonl", "1", "every field is empty")]
    crafted.check_ledger_invariants(env.warehouse)


def test_jsonl_bad_lines_are_quarantined(env) -> None:
    lines = [json.dumps(person(1), ensure_ascii=False), "{not json", "[1, 2]",
             json.dumps(person(2), ensure_ascii=False), '{"姓名": "截']
    env.deliver("日志.jsonl", "\n".join(lines))
    env.run()
    assert [r["姓名"] for r in crafted.raw_rows(env.warehouse, LOGS)] == ["张1", "张2"]
    bad = {q["line"]: q["reason"] for q in crafted.quarantined(env.warehouse)}
    assert bad.keys() == {"2", "3", "5"}
    assert "invalid JSON" in bad["2"] and "not a JSON object" in bad["3"]
    assert "cut short" in bad["5"]


# --- drift --------------------------------------------------------------------------------


def test_unknown_extra_columns_are_kept_as_json_and_reported(env) -> None:
    header = [*HEADER, "备注", "民族"]
    rows = [[*person(1).values(), "低保户", "汉"], [*person(2).values(), "", "回"]]
    env.deliver("人员名单.csv", crafted.csv_text(rows, header=header))
    env.run()
    loaded = crafted.raw_rows(env.warehouse, PEOPLE)
    assert json.loads(loaded[0]["_extras"]) == {"备注": "低保户", "民族": "汉"}
    assert json.loads(loaded[1]["_extras"]) == {"备注": None, "民族": "回"}
    assert "备注, 民族" in crafted.latest(env.warehouse, "人员名单.csv")["notes"]


@pytest.mark.parametrize(
    ("header", "values", "note"),
    [
        # renamed and reordered: the contract's aliases, stray spaces
        (["手机号码", "姓名", "公民身份号码", "家庭住址", " 性别 "], ["139", "张三", "1", "振兴", "1"],
         "'手机号码' read as '联系电话'"),
        # a template's header: required marks, units and formats in brackets, a colon
        (["*身份证号", "姓名（必填）", "性别:", "住址【详细地址】", "联系电话(手机)※"],
         ["1", "张三", "1", "振兴", "139"], "'姓名（必填）' read as '姓名'"),
    ],
    ids=["aliases", "annotated"],
)
def test_renamed_or_annotated_headers_match_their_columns(env, header, values, note) -> None:
    env.deliver("人员名单.csv", crafted.csv_text([values], header=header))
    env.run()
    # every column lands where it belongs, nothing goes to the extras, and the reading is noted
    (row,) = crafted.raw_rows(env.warehouse, PEOPLE)
    assert (row["身份证号"], row["姓名"], row["性别"], row["住址"], row["联系电话"]) == (
        "1", "张三", "1", "振兴", "139")
    assert row["_extras"] is None
    assert note in crafted.latest(env.warehouse, "人员名单.csv")["notes"]


def test_a_number_wrapped_in_an_excel_text_formula_is_measured_without_the_wrapper(env) -> None:
    # GIVEN a CSV export meant for Excel: the identity number as ="...", 21 characters for an
    # 18-character column; and one that is too long even unwrapped
    rows = [person(1, 身份证号='="371503199000000001"'), person(2, 身份证号='="3715031990000000021"')]
    env.deliver("人员名单.csv", crafted.csv_text(rows))
    env.run()
    # THEN the first loads as delivered (staging unwraps it), the second waits in quarantine
    (row,) = crafted.raw_rows(env.warehouse, PEOPLE)
    assert row["身份证号"] == '="371503199000000001"'
    (bad,) = crafted.quarantined(env.warehouse, "人员名单.csv")
    assert bad["reason"] == "身份证号 has 19 characters, over the contract maximum of 18"


def test_a_record_whose_text_starts_like_a_signature_line_still_loads(env) -> None:
    # GIVEN a CSV saved from a form: a record with a remark in its address, then the total
    # and signature lines
    lines = [
        _line(HEADER),
        _line(list(person(1, 住址="说明：暂住").values())),
        _line(["合  计", "", "", "", ""]),
        _line(["制表人:王五", "", "", "", "联系电话：0635-1234567"]),
    ]
    env.deliver("人员名单.csv", "\n".join(lines) + "\n")
    env.run()
    # THEN the record loads (its required columns are filled) and the two lines do not
    (row,) = crafted.raw_rows(env.warehouse, PEOPLE)
    assert row["住址"] == "说明：暂住"
    assert [q["line"] for q in crafted.quarantined(env.warehouse, "人员名单.csv")] == ["3", "4"]
    crafted.check_ledger_invariants(env.warehouse)


@pytest.mark.parametrize("numbering", [["1", "2", "3", "4", "5"], ["甲", "乙", "1", "2", "3"]])
def test_the_rest_of_a_header_block_waits_in_quarantine(env, numbering) -> None:
    # GIVEN a template's header block: Chinese names, their field codes, the column numbers
    # (栏次, text columns labelled 甲, 乙); then records, one of them made of small numbers
    # that are not a numbering
    lines = [
        _line(HEADER),
        _line(["ID_NUMBER", "NAME", "GENDER", "ADDRESS", "PHONE"]),
        _line(numbering),
        _ok(1),
        _line(["7", "8", "1", "", ""]),
    ]
    env.deliver("人员名单.csv", "\n".join(lines) + "\n")
    env.run()
    # THEN the two rows of the header block are quarantined, each with what it is
    assert [(q["line"], q["reason"]) for q in crafted.quarantined(env.warehouse, "人员名单.csv")] == [
        ("2", "another header row: its fields name their own columns"),
        ("3", "a column numbering row (栏次 1, 2, 3, ...), not a record"),
    ]
    # AND the records load
    assert [r["_line"] for r in crafted.raw_rows(env.warehouse, PEOPLE)] == ["4", "5"]
    crafted.check_ledger_invariants(env.warehouse)


def test_a_plain_header_outranks_an_annotated_one_for_the_same_column(env) -> None:
    header = ["联系电话(备用)", "身份证号", "姓名", "联系电话"]
    env.deliver("人员名单.csv", crafted.csv_text([["137", "1", "张三", "139"]], header=header))
    env.deliver("事件.json", json.dumps(
        [dict(zip(header, ["137", "1", "张三", "139"], strict=True))], ensure_ascii=False))
    env.run()
    for contract in (PEOPLE, EVENTS):
        (row,) = crafted.raw_rows(env.warehouse, contract)
        assert row["联系电话"] == "139", contract.source
        assert json.loads(row["_extras"]) == {"联系电话(备用)": "137"}, contract.source


def test_a_bare_header_naming_two_columns_names_neither() -> None:
    from pipelines.ingest._headers import HeaderLookup, bare_header

    assert bare_header("*出生日期(yyyy-mm-dd):") == "出生日期"
    assert bare_header("面积[平方米](亩)") == "面积"
    lookup = HeaderLookup({"面积(平方米)": "area_m2", "面积(亩)": "area_mu", "姓名": "name"})
    assert lookup.get("面积(平方米)") == "area_m2"
    assert lookup.get("面积") is None and lookup.get("*面积") is None
    assert lookup.get("姓名(必填)") == "name" and "姓名(必填)" in lookup
    assert not lookup.exact("姓名(必填)")


def test_missing_optional_column_loads_as_null_and_is_reported(env) -> None:
    header = ["身份证号", "姓名", "住址"]
    env.deliver("人员名单.csv", crafted.csv_text([["1", "张三", "振兴"]], header=header))
    env.run()
    (row,) = crafted.raw_rows(env.warehouse, PEOPLE)
    assert row["性别"] is None and row["联系电话"] is None and row["住址"] == "振兴"
    assert "optional columns missing, loaded as null: 性别, 联系电话" in crafted.latest(
        env.warehouse, "人员名单.csv")["notes"]


@pytest.mark.parametrize("content", [crafted.csv_text([]), crafted.csv_text([]).rstrip("\n")])
def test_header_only_file_loads_zero_rows(env, content) -> None:
    env.deliver("人员名单.csv", content)
    env.run()
    ledger = crafted.latest(env.warehouse, "人员名单.csv")
    assert (ledger["status"], ledger["rows_read"], ledger["rows_loaded"]) == ("loaded", 0, 0)


def test_raw_table_shape_comes_from_the_contract_not_the_header(env) -> None:
    env.deliver("人员名单.csv", crafted.csv_text([["1", "张三"]], header=["身份证号", "姓名"]))
    env.run()
    columns = [c for (c,) in crafted.query(
        env.warehouse,
        "select column_name from information_schema.columns where table_schema = 'raw' "
        "and table_name = ? order by ordinal_position", [PEOPLE.source])]
    assert columns == [*HEADER, "_batch_id", "_file", "_sha256", "_line", "_delivery_date", "_extras"]


# --- values that look like code --------------------------------------------------------------


def test_formulas_and_sql_load_as_plain_text(env) -> None:
    nasty = ["=cmd|' /C calc'!A0", "+SUM(A1:A9)", "-2+3", "@SUM(1)", "'); DROP TABLE raw.quarantine;",
             'Bob"); DROP TABLE raw.x;--']
    rows = [person(i, 住址=value) for i, value in enumerate(nasty)]
    env.deliver("人员名单.csv", crafted.csv_text(rows))
    env.run()
    assert [r["住址"] for r in crafted.raw_rows(env.warehouse, PEOPLE)] == nasty
    # and the tables those values name are still there
    assert crafted.query(env.warehouse, "select count(*) from raw.quarantine") == [(0,)]
