"""Property-based tests: damaged bytes never crash the ingest, every readable file's rows_read
equals an independent count of its records, and each batch's rows in raw and in quarantine are
what the ledger says. Also: the CSV fast path, when it accepts a file, gives exactly what the
careful path gives."""

from __future__ import annotations

import csv
import io
import itertools
import json
import re
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import polars as pl
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from ingest import crafted
from ingest.conftest import fast_tmp_dir
from ingest.crafted import DEPT, HEADER, PEOPLE
from pipelines.ingest import _delimited
from pipelines.ingest._errors import FallBack
from pipelines.settings import load_settings

PROFILE = settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
_counter = itertools.count()

# Field text: Chinese, ASCII, digits, some controls; no quotes, delimiters or line breaks (those
# are the structure the independent count relies on).
plain_text = st.text(
    alphabet=st.sampled_from(list("张王李振兴街道号abcXYZ0123456789 -_.𠀀\x00\x07")), max_size=12
)
record = st.lists(plain_text, min_size=5, max_size=5)


class Warehouse:
    """One warehouse and landing folder shared by all examples of a test (each example
    delivers into its own delivery folder, so examples never touch each other's files)."""

    def __init__(self) -> None:
        self.base = fast_tmp_dir("ingest-prop-")
        self.settings = load_settings(
            warehouse=self.base / "w.duckdb", landing=self.base / "landing"
        )

    def ingest(self, name: str, content: bytes) -> dict:
        from pipelines.ingest import ingest

        day = f"2020-01-{next(_counter) % 28 + 1:02d}"
        folder = f"{DEPT}/{day}/{next(_counter)}"
        path = self.settings.landing_path / folder / name
        path.parent.mkdir(parents=True)
        path.write_bytes(content)
        ingest(self.settings, departments=[DEPT])
        rows = [r for r in crafted.ledger(self.settings.warehouse_path)
                if r["file"] == f"{folder}/{name}"]
        assert len(rows) == 1, rows
        return rows[0]


@pytest.fixture(scope="module")
def shared() -> Iterator[Warehouse]:
    with pytest.MonkeyPatch.context() as patch:
        crafted.install(patch)
        warehouse = Warehouse()
        try:
            yield warehouse
        finally:
            shutil.rmtree(warehouse.base, ignore_errors=True)


def _physical_records(data: bytes, header_lines: int = 1) -> int:
    """Independent count: non-empty physical lines (split at CRLF, LF, lone CR) after the header."""
    lines = re.split(rb"\r\n|\r|\n", data)
    return sum(1 for line in lines[header_lines:] if line)


def _damage(data: bytes, start: int, ops: list[tuple[str, int, int]]) -> bytes:
    """Apply damage after byte `start` (the header stays intact)."""
    body = bytearray(data[start:])
    for op, where, value in ops:
        if not body:
            break
        at = where % len(body)
        if op == "replace" and body[at] not in b'",\r\n':
            byte = value % 256
            body[at] = byte if byte not in b'",\r\n' else 0xFF
        elif op == "insert_control":
            body[at:at] = bytes([value % 9])
        elif op == "insert_delimiter":
            body[at:at] = b","
        elif op == "delete" and body[at] not in b'"\r\n':
            del body[at]
        elif op == "newline":
            body[at:at] = b"\n"
        elif op == "truncate":
            del body[at:]
    return data[:start] + bytes(body)


damage_ops = st.lists(
    st.tuples(
        st.sampled_from(["replace", "insert_control", "insert_delimiter", "delete", "newline",
                         "truncate"]),
        st.integers(0, 10_000),
        st.integers(0, 255),
    ),
    max_size=8,
)


@PROFILE
@given(
    rows=st.lists(record, max_size=30),
    ops=damage_ops,
    encoding=st.sampled_from(["utf-8", "gb18030", "utf-8-sig"]),
    newline=st.sampled_from(["\n", "\r\n", "\r"]),
)
def test_damaged_csv_rows_read_matches_an_independent_count(shared, rows, ops, encoding, newline):
    text = crafted.csv_text(rows, newline=newline)
    data = text.encode(encoding)
    header_end = re.search(rb"\r\n|\r|\n", data).end()  # type: ignore[union-attr]
    damaged = _damage(data, header_end, ops)
    ledger = shared.ingest("人员名单.csv", damaged)
    event(f"{ledger['status']}, {'some' if ledger['rows_quarantined'] else 'no'} quarantined")
    if ledger["status"] == "rejected" and ledger["rows_read"] == 0:
        return  # not readable at all
    assert ledger["status"] in ("loaded", "rejected", "duplicate"), ledger
    if ledger["status"] != "duplicate":
        assert ledger["rows_read"] == _physical_records(damaged), (ledger, damaged)
    crafted.check_ledger_invariants(shared.settings.warehouse_path, ledger["file"])


@PROFILE
@given(
    content=st.one_of(
        st.binary(max_size=600),
        st.binary(max_size=400).map(lambda b: ",".join(HEADER).encode() + b"\n" + b),
        st.binary(max_size=400).map(lambda b: b"[" + b),
        st.binary(max_size=400).map(lambda b: b"PK\x03\x04" + b),
    ),
    name=st.sampled_from(["人员名单.csv", "花名册.xlsx", "事件.json", "日志.jsonl", "地块.geojson"]),
)
def test_random_bytes_never_crash_and_the_ledger_balances(shared, content, name):
    ledger = shared.ingest(name, content)
    assert ledger["status"] in ("loaded", "rejected", "duplicate")
    if ledger["status"] == "rejected":
        assert ledger["reason"]
    crafted.check_ledger_invariants(shared.settings.warehouse_path, ledger["file"])


json_value = st.one_of(st.none(), st.integers(-10**20, 10**20), plain_text,
                       st.floats(allow_nan=False, allow_infinity=False))


@PROFILE
@given(
    records=st.lists(st.fixed_dictionaries({"身份证号": plain_text, "姓名": plain_text},
                                           optional={"住址": json_value, "其他": json_value}),
                     max_size=20),
    cut=st.one_of(st.none(), st.integers(1, 2000)),
    lines=st.booleans(),
)
def test_json_rows_read_matches_the_element_count(shared, records, cut, lines):
    if lines:
        text = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records)
    else:
        text = json.dumps(records, ensure_ascii=False)
    data = text.encode("utf-8")
    if cut is not None:
        data = data[: cut % (len(data) + 1)]
    ledger = shared.ingest("日志.jsonl" if lines else "事件.json", data)
    if lines:
        expected = sum(1 for line in data.split(b"\n") if line.strip())
        if ledger["status"] != "duplicate" and ledger["rows_read"]:
            assert ledger["rows_read"] == expected
    elif ledger["status"] == "loaded":
        assert ledger["rows_read"] == len(json.loads(data))
    crafted.check_ledger_invariants(shared.settings.warehouse_path, ledger["file"])


# --- fast path == careful path -----------------------------------------------------------------

any_text = st.text(alphabet=st.sampled_from(list('张王振兴ab 0,"\n\r\t\x00𠀀;|')), max_size=10)


def _read(path: Path, plan: str) -> tuple[list[tuple], list[tuple]]:
    layout = _delimited.detect_layout(path, PEOPLE)
    spec = _delimited.spec_for(layout.header, PEOPLE)
    reader = {
        "fast": _delimited.fast_chunks,
        "mixed": _delimited.csv_chunks,
        "careful": _delimited.slow_chunks,
    }[plan]
    chunks = list(reader(path, layout, spec))
    good = pl.concat([c.good for c in chunks]) if chunks else pl.DataFrame()
    bad = pl.concat([c.bad for c in chunks]) if chunks else pl.DataFrame()
    return sorted(good.rows(), key=repr), sorted(bad.rows(), key=repr)


def _same_both_ways(content: bytes, chunk_bytes: int) -> None:
    """The production reader (Polars on record-aligned chunks, csv module where Polars is
    unsure) gives exactly what the csv module gives on the whole file."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "人员名单.csv"
        path.write_bytes(content)
        try:
            careful = _read(path, "careful")
        except Exception as exc:  # noqa: BLE001 - both must then fail the same way
            with pytest.raises(type(exc)):
                _read(path, "mixed")
            return
        saved = _delimited.FAST_CHUNK_BYTES
        _delimited.FAST_CHUNK_BYTES = chunk_bytes
        try:
            assert _read(path, "mixed") == careful
        finally:
            _delimited.FAST_CHUNK_BYTES = saved


clean_text = st.text(alphabet=st.sampled_from(list("张王李振兴abc 0123456789-𠀀")), max_size=12)
clean_row = st.lists(
    st.one_of(clean_text, st.sampled_from(["a,b", 'say "hi"', "两\n行"])), min_size=5, max_size=5
)
any_row = st.lists(any_text, min_size=4, max_size=6)
raw_line = st.text(alphabet=st.sampled_from(list("张王振兴ab 0,\t\x00\x07𠀀;|\r")), max_size=30)


@settings(max_examples=60, deadline=None)
@given(
    rows=st.one_of(st.lists(clean_row, max_size=25), st.lists(any_row, max_size=25)),
    encoding=st.sampled_from(["utf-8", "gb18030"]),
    newline=st.sampled_from(["\n", "\r\n"]),
    delimiter=st.sampled_from([",", "\t"]),
    chunk_bytes=st.sampled_from([64, 300, 1 << 20]),
)
def test_fast_path_agrees_with_the_careful_path(rows, encoding, newline, delimiter, chunk_bytes):
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator=newline)
    writer.writerow(HEADER)
    writer.writerows(rows)
    content = out.getvalue().encode(encoding)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "人员名单.csv"
        path.write_bytes(content)
        try:
            fast = _read(path, "fast")
            event("fast path accepted the whole file")
            assert fast == _read(path, "careful")
        except FallBack as exc:
            event(f"fast path declined: {exc}")
    _same_both_ways(content, chunk_bytes)


@settings(max_examples=60, deadline=None)
@given(
    lines=st.lists(raw_line, max_size=30),
    encoding=st.sampled_from(["utf-8", "gb18030"]),
    newline=st.sampled_from(["\n", "\r\n"]),
    final_newline=st.booleans(),
    chunk_bytes=st.sampled_from([40, 200, 1 << 20]),
)
def test_ragged_unquoted_lines_read_the_same_on_both_paths(
    lines, encoding, newline, final_newline, chunk_bytes
):
    text = newline.join([",".join(HEADER), *lines]) + (newline if final_newline else "")
    _same_both_ways(text.encode(encoding), chunk_bytes)


@settings(max_examples=60, deadline=None)
@given(body=st.binary(max_size=300), encoding=st.sampled_from(["utf-8", "gb18030"]))
def test_any_bytes_after_the_header_read_the_same_on_both_paths(body, encoding):
    _same_both_ways((",".join(HEADER) + "\n").encode(encoding) + body, 1 << 20)


@settings(max_examples=10, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(
    titles=st.integers(0, 2),
    rows=st.lists(st.lists(st.one_of(st.none(), clean_text.filter(bool)), min_size=5, max_size=5),
                  max_size=30),
)
def test_xlsx_rows_read_matches_the_non_blank_rows_below_the_header(shared, titles, rows):
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "名单"
    for i in range(titles):
        sheet.append([f"标题{i}"])
    sheet.append(HEADER)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    ledger = shared.ingest("花名册.xlsx", out.getvalue())
    expected = sum(1 for row in rows if any(v is not None and v.strip() for v in row))
    if ledger["status"] != "duplicate":
        assert (ledger["status"], ledger["rows_read"]) == ("loaded", expected)
    crafted.check_ledger_invariants(shared.settings.warehouse_path, ledger["file"])
