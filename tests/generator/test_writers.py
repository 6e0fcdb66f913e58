"""Files written in parts (a sharded run appends each shard's rows) equal the files written whole."""

from __future__ import annotations

import hashlib
from pathlib import Path

import polars as pl
import pytest
from openpyxl import load_workbook

from pipelines.generator._mess import SENTINEL_COMMA
from pipelines.generator._writers import (
    CsvStream,
    JsonStream,
    Sheet,
    XlsxStream,
    write_csv,
    write_json,
    write_xlsx,
)


def _frame() -> pl.DataFrame:
    """Rows with what makes line numbers and encodings hard: line breaks, quotes, a broken
    field, a character outside GBK, nulls, numbers."""
    return pl.DataFrame({
        "姓名": ["王伟", "李\n娜", None, "张𠇔", '赵"强"', "刘洋", "陈静"],
        "地址": ["振兴街道府前街1号", "博平镇" + SENTINEL_COMMA + "王庄村", "乐平铺镇", "", "菜屯镇\n\n北村",
               "贾寨镇", None],
        "金额": ["12.50", "1,234.00", None, "0.00", "3.71503E+17", "7", "8.25"],
    })


def _parts(frame: pl.DataFrame) -> list[pl.DataFrame]:
    return [frame.slice(0, 2), frame.slice(2, 0), frame.slice(2, 4), frame.slice(6, 1)]


@pytest.mark.parametrize(("encoding", "bom", "title"), [("utf-8", True, "低保发放表"), ("gbk", False, None),
                                                         ("gb18030", False, None)])
def test_csv_in_parts_equals_the_whole(tmp_path: Path, encoding: str, bom: bool, title: str | None) -> None:
    frame = _frame()
    whole = write_csv(frame, tmp_path / "whole.csv", encoding=encoding, bom=bom, title=title,
                      sentinel=SENTINEL_COMMA)
    stream = CsvStream(tmp_path / "parts.csv", encoding=encoding, bom=bom, title=title, sentinel=SENTINEL_COMMA)
    lines = pl.concat([stream.append(part) for part in _parts(frame)])
    sha = stream.close()
    data = (tmp_path / "parts.csv").read_bytes()
    assert data == (tmp_path / "whole.csv").read_bytes()
    assert sha == whole.sha256 == hashlib.sha256(data).hexdigest()
    assert lines.to_list() == whole.lines.to_list()


def test_csv_with_only_empty_parts_is_a_header(tmp_path: Path) -> None:
    frame = _frame().head(0)
    whole = write_csv(frame, tmp_path / "whole.csv", encoding="utf-8")
    stream = CsvStream(tmp_path / "parts.csv", encoding="utf-8")
    stream.append(frame)
    stream.append(frame)
    assert stream.close() == whole.sha256
    assert (tmp_path / "parts.csv").read_bytes() == (tmp_path / "whole.csv").read_bytes()


@pytest.mark.parametrize("lines", [False, True])
@pytest.mark.parametrize("rows", [7, 0])
def test_json_in_parts_equals_the_whole(tmp_path: Path, lines: bool, rows: int) -> None:
    frame = _frame().head(rows)
    whole = write_json(frame, tmp_path / "whole.json", lines=lines)
    stream = JsonStream(tmp_path / "parts.json", lines=lines)
    numbers = pl.concat([stream.append(part) for part in _parts(frame)])
    assert stream.close() == whole.sha256
    assert (tmp_path / "parts.json").read_bytes() == (tmp_path / "whole.json").read_bytes()
    assert numbers.to_list() == whole.lines.to_list()


def _cells(path: Path) -> dict[str, list[tuple[object, ...]]]:
    workbook = load_workbook(path, read_only=True)
    out = {ws.title: [tuple(c.value for c in row) for row in ws.iter_rows()] for ws in workbook.worksheets}
    merged = {ws.title: [str(r) for r in ws.merged_cells.ranges] for ws in load_workbook(path).worksheets}
    workbook.close()
    return {**out, **{f"{k}:merged": v for k, v in merged.items()}}


def test_xlsx_in_parts_reads_as_the_whole(tmp_path: Path) -> None:
    """Sheets continue their row numbers across parts, shared strings keep growing, a sheet that
    gets no rows in a part still exists, and the workbook reads back cell for cell."""
    frame = _frame().with_columns(pl.col("地址").str.replace(SENTINEL_COMMA, "", literal=True))
    numeric = frozenset({"金额"})
    title = "婚姻登记月报（2026年1月）"
    first, second = frame.slice(0, 4), frame.slice(4, 3)
    whole = write_xlsx([Sheet("结婚登记", pl.concat([first.head(3), second.head(2)]), title, numeric),
                        Sheet("离婚登记", pl.concat([first.tail(1), second.tail(1)]), title, numeric)],
                       tmp_path / "whole.xlsx")
    stream = XlsxStream(tmp_path / "parts.xlsx", tmp_path / "scratch", title=title, numeric=numeric)
    lines = [
        stream.append([Sheet("结婚登记", first.head(3)), Sheet("离婚登记", first.tail(1))]),
        stream.append([Sheet("结婚登记", frame.head(0)), Sheet("离婚登记", frame.head(0))]),
        stream.append([Sheet("结婚登记", second.head(2)), Sheet("离婚登记", second.tail(1))]),
    ]
    sha = stream.close()
    assert sha == hashlib.sha256((tmp_path / "parts.xlsx").read_bytes()).hexdigest()
    assert _cells(tmp_path / "parts.xlsx") == _cells(tmp_path / "whole.xlsx")
    streamed = [*lines[0].head(3), *lines[2].head(2), *lines[0].tail(1), *lines[2].tail(1)]
    assert streamed == whole.lines.to_list()
    assert not list(tmp_path.glob("scratch*")), "scratch files are removed"


def test_xlsx_parts_must_share_columns(tmp_path: Path) -> None:
    stream = XlsxStream(tmp_path / "parts.xlsx", tmp_path / "scratch", title=None, numeric=frozenset())
    stream.append([Sheet("Sheet1", _frame())])
    with pytest.raises(ValueError, match="same sheets and columns"):
        stream.append([Sheet("Sheet1", _frame().drop("金额"))])
