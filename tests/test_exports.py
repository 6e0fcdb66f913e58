"""Files leaving the warehouse: formula-like cells neutralised, writes atomic."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from pipelines.exports import neutralise_formulas, write_csv


def test_formula_like_text_is_neutralised_and_other_text_kept() -> None:
    frame = pl.DataFrame(
        {
            "value": ["=cmd|' /C calc'!A0", "+SUM(A1:A2)", "-1+2", "@x", "正常文本", "'); DROP TABLE x;--", None],
            "count": [1, 2, 3, 4, 5, 6, 7],
        }
    )
    out = neutralise_formulas(frame)
    assert out["value"].to_list() == [
        "'=cmd|' /C calc'!A0",
        "'+SUM(A1:A2)",
        "'-1+2",
        "'@x",
        "正常文本",
        "'); DROP TABLE x;--",
        None,
    ]
    assert out["count"].to_list() == frame["count"].to_list()


def test_csv_has_bom_and_no_partial_file_left(tmp_path: Path) -> None:
    target = tmp_path / "open" / "x.csv"
    write_csv(pl.DataFrame({"乡镇": ["振兴街道"], "人口": [10]}), target)
    raw = target.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    assert "振兴街道" in raw.decode("utf-8-sig")
    assert not list(tmp_path.rglob("*.partial"))
