"""Whole-file rejection: when nothing of a file can be trusted, nothing of it loads, and the
ledger says why."""

from __future__ import annotations

import io
import json
import random

import openpyxl
import pytest

from ingest import crafted
from ingest.crafted import EVENTS, HEADER, PARCELS, PEOPLE, ROSTER, person


def _xlsx(rows: list[list[object]]) -> bytes:
    book = openpyxl.Workbook()
    book.active.title = "名单"
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _rejected(env, name: str) -> dict:
    ledger = crafted.latest(env.warehouse, name)
    assert ledger["status"] == "rejected", ledger
    assert ledger["rows_loaded"] == ledger["rows_quarantined"] == 0
    assert ledger["rows_read"] == ledger["rows_rejected"]
    return ledger


def _nothing_loaded(env) -> None:
    for contract in crafted.CONTRACTS:
        assert crafted.raw_rows(env.warehouse, contract) == []
    assert crafted.quarantined(env.warehouse) == []


def test_undecodable_file(env) -> None:
    # GIVEN bytes that are neither UTF-8 nor GB18030 in any row (a Latin-1 header and rows of
    # lone high bytes)
    rng = random.Random(7)
    body = bytes(rng.choice([0x80, 0xFF]) for _ in range(400))
    env.deliver("人员名单.csv", "身份证号,姓名\n".encode() + (body + b"\n") * 20)
    env.run()
    assert "undecodable" in _rejected(env, "人员名单.csv")["reason"]
    _nothing_loaded(env)


@pytest.mark.parametrize("content", [b"", b"   \r\n\r\n", b"\xef\xbb\xbf"])
def test_empty_file(env, content) -> None:
    env.deliver("人员名单.csv", content)
    env.run()
    ledger = _rejected(env, "人员名单.csv")
    assert ledger["reason"] == "empty file" and ledger["rows_read"] == 0


def test_truncated_xlsx(env) -> None:
    data = _xlsx([HEADER] + [list(person(i).values()) for i in range(50)])
    env.deliver("花名册.xlsx", data[: len(data) * 2 // 3])
    env.run()
    assert "damaged or truncated" in _rejected(env, "花名册.xlsx")["reason"]
    _nothing_loaded(env)


@pytest.mark.parametrize("cut", [0.3, 0.7, -1])
def test_truncated_json(env, cut) -> None:
    text = json.dumps([person(i) for i in range(40)], ensure_ascii=False)
    end = len(text) - 1 if cut == -1 else int(len(text) * cut)
    env.deliver("事件.json", text[:end])
    env.run()
    assert "truncated JSON" in _rejected(env, "事件.json")["reason"]
    _nothing_loaded(env)


def test_truncated_geojson(env) -> None:
    text = json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"地块编号": f"DK{i}"}, "geometry": None} for i in range(9)
    ]})
    env.deliver("地块.geojson", text[:-30])
    env.run()
    assert "JSON" in _rejected(env, "地块.geojson")["reason"]
    assert crafted.raw_rows(env.warehouse, PARCELS) == []


def test_broken_json_in_the_middle_rejects_the_whole_array(env) -> None:
    good = [json.dumps(person(i), ensure_ascii=False) for i in range(5)]
    env.deliver("事件.json", "[" + ",".join(good[:2]) + ",{broken}," + ",".join(good[2:]) + "]")
    env.run()
    assert "invalid JSON at element 3" in _rejected(env, "事件.json")["reason"]
    assert crafted.raw_rows(env.warehouse, EVENTS) == []


@pytest.mark.parametrize("missing", ["身份证号", "姓名"])
def test_required_column_missing_csv(env, missing) -> None:
    header = [h for h in HEADER if h != missing]
    rows = [[v for k, v in person(i).items() if k != missing] for i in range(4)]
    env.deliver("人员名单.csv", crafted.csv_text(rows, header=header))
    env.run()
    ledger = _rejected(env, "人员名单.csv")
    assert ledger["reason"] == f"required columns missing: {missing}"
    assert ledger["rows_read"] == 4
    _nothing_loaded(env)


def test_required_column_missing_xlsx(env) -> None:
    env.deliver("花名册.xlsx", _xlsx([["身份证号", "住址"], ["1", "a"], ["2", "b"]]))
    env.run()
    ledger = _rejected(env, "花名册.xlsx")
    assert "required columns missing: 姓名" in ledger["reason"] and ledger["rows_read"] == 2
    assert crafted.raw_rows(env.warehouse, ROSTER) == []


def test_required_column_missing_json(env) -> None:
    env.deliver("事件.json", json.dumps([{"身份证号": "1", "住址": "x"}], ensure_ascii=False))
    env.run()
    assert _rejected(env, "事件.json")["reason"] == "required columns missing: 姓名"


def test_no_header_at_all(env) -> None:
    env.deliver("人员名单.csv", "1,2,3\n4,5,6\n")
    env.run()
    assert "no header row" in _rejected(env, "人员名单.csv")["reason"]


def test_file_matching_no_contract_is_recorded_not_fatal(env) -> None:
    env.deliver("readme.txt", "hello")
    env.deliver("人员名单.csv", crafted.csv_text([person(1)]))
    env.deliver("notes.csv", "x", department="unknown_dept")
    summary = env.run()
    assert _rejected(env, "readme.txt")["reason"] == "no source contract matches"
    assert _rejected(env, "notes.csv")["source_table"] is None
    assert summary.count("loaded") == 1
    assert len(crafted.raw_rows(env.warehouse, PEOPLE)) == 1


def test_files_outside_delivery_folders_are_rejected_with_their_location(env) -> None:
    (env.landing / "civil").mkdir(parents=True)
    (env.landing / "civil" / "人员名单.csv").write_text(crafted.csv_text([person(1)]))
    crafted.deliver(env.landing, "人员名单.csv", crafted.csv_text([person(2)]), day="latest")
    env.run()
    reasons = sorted(r["reason"] for r in crafted.ledger(env.warehouse))
    assert reasons == [
        "delivery folder 'latest' is not a date (YYYY-MM-DD)",
        "not in a delivery folder (<department>/<YYYY-MM-DD>/<file>)",
    ]
    assert crafted.raw_rows(env.warehouse, PEOPLE) == []
