"""The mess in the landing files, counted by detectors written here, matches the truth's log.

Each detector reads the delivered text only (through the tests' own reader), so a defect the
generator logs but does not write, or writes but does not log, fails a test.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import polars as pl
import pytest

from generator.reader import Parsed, by_type
from pipelines.standards import credit_code_check_char, id_check_char

MISSING = {"空", "无", "NULL", "-", "/", "null", "N/A", "暂无"}
FULLWIDTH = re.compile("[０-９Ｘ]")
DATE_STYLES = {
    "iso": re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"),
    "compact": re.compile(r"^[0-9]{8}$"),
    "slash": re.compile(r"^[0-9]{4}/[0-9]{1,2}/[0-9]{1,2}$"),
    "dot": re.compile(r"^[0-9]{4}\.[0-9]{2}\.[0-9]{2}$"),
    "chinese": re.compile(r"^[0-9]{4}年[0-9]{1,2}月[0-9]{1,2}日$"),
    "serial": re.compile(r"^[0-9]{5}$"),
}


def _cells(p: Parsed, headers: list[str]) -> list[str]:
    return [v for h in headers for v in p.rows[h].drop_nulls().to_list()]


def _visible_defects(defects: pl.DataFrame, parsed: list[Parsed]) -> pl.DataFrame:
    """Defects on rows the reader returns (rows broken by an unquoted comma are not parsed)."""
    broken = pl.DataFrame(
        [(p.relative, line) for p in parsed for line in p.malformed_lines],
        schema={"file": pl.String, "line": pl.String}, orient="row")
    files = {p.relative for p in parsed}
    return defects.filter(pl.col("file").is_in(list(files))).join(broken, on=["file", "line"], how="anti")


@pytest.fixture(scope="module")
def visible(defects: pl.DataFrame, parsed: list[Parsed]) -> Counter[str]:
    counts = _visible_defects(defects, parsed).group_by("kind").len()
    return Counter(dict(zip(counts["kind"].to_list(), counts["len"].to_list(), strict=True)))


def test_id_number_forms(parsed: list[Parsed], visible: Counter[str]) -> None:
    lower = legacy = bad_check = 0
    for p in parsed:
        for v in _cells(p, by_type(p, "id_number")):
            lower += bool(re.fullmatch(r"[0-9]{17}x", v))
            legacy += bool(re.fullmatch(r"[0-9]{15}", v))
            if re.fullmatch(r"[0-9]{17}[0-9Xx]", v):
                bad_check += id_check_char(v[:17]) != v[17].upper()
    assert lower == visible["id_lowercase_x"] > 0
    assert legacy == visible["id_legacy_15"] > 0
    assert bad_check == visible["id_typo"] + visible["id_transposed"] > 0


def test_credit_code_forms(parsed: list[Parsed], visible: Counter[str]) -> None:
    lower = bad_check = 0
    for p in parsed:
        for v in _cells(p, by_type(p, "credit_code")):
            lower += bool(re.search(r"[a-z]", v))
            if re.fullmatch(r"[0-9A-Z]{18}", v):
                bad_check += credit_code_check_char(v[:17]) != v[17]
    assert lower == visible["uscc_lowercase"]
    assert bad_check == visible["uscc_typo"]


def test_excel_scientific_notation(parsed: list[Parsed], visible: Counter[str]) -> None:
    found = sum(bool(re.fullmatch(r"[0-9]\.[0-9]+E\+[0-9]+", v)) for p in parsed for v in _cells(p, p.headers))
    assert found == visible["id_excel_scientific"] > 0


def test_fullwidth_and_ideographic_spaces(parsed: list[Parsed], visible: Counter[str]) -> None:
    fullwidth = space = 0
    for p in parsed:
        for v in _cells(p, p.headers):
            fullwidth += bool(FULLWIDTH.search(v))
            space += "\u3000" in v
    assert fullwidth == visible["fullwidth_digits"] > 0
    assert space == visible["ideographic_space"] > 0


def test_missing_value_spellings(parsed: list[Parsed], visible: Counter[str]) -> None:
    found = sum(v.strip() in MISSING for p in parsed for v in _cells(p, p.headers))
    assert found == visible["missing_spelled"] > 0


def test_phone_spellings(parsed: list[Parsed], visible: Counter[str]) -> None:
    odd = 0
    for p in parsed:
        for v in _cells(p, by_type(p, "phone")):
            if v.strip() in MISSING or FULLWIDTH.search(v):
                continue
            odd += not re.fullmatch(r"1[3-9][0-9]{9}", v)
    assert odd == visible["phone_format"] > 0


def test_date_spellings(parsed: list[Parsed], visible: Counter[str]) -> None:
    """Per source and column the usual format is the most common one; others are mess."""
    styles: dict[tuple[str, str], Counter[str]] = {}
    for p in parsed:
        for h in by_type(p, "date"):
            column = p.contract.column_for_header(h)
            assert column is not None
            key = (p.contract.source, column.name)
            for v in p.rows[h].drop_nulls().to_list():
                if v.strip() in MISSING or FULLWIDTH.search(v):
                    continue
                style = next((s for s, rx in DATE_STYLES.items() if rx.fullmatch(v)), "other")
                styles.setdefault(key, Counter())[style] += 1
    serial = other = 0
    for counts in styles.values():
        usual, _ = counts.most_common(1)[0]
        for style, n in counts.items():
            if style == usual:
                continue
            assert style != "other", counts
            serial += n if style == "serial" else 0
            other += n if style != "serial" else 0
    assert serial == visible["date_excel_serial"] > 0
    assert other == visible["date_format"] > 0


def test_encodings_and_unencodable_characters(parsed: list[Parsed], visible: Counter[str]) -> None:
    family = {"utf-8": "utf8", "utf-8-sig": "utf8", "gbk": "gb", "gb18030": "gb"}
    drift = sum(family[p.encoding] != family[p.contract.encoding] for p in parsed if p.contract.format == "csv")
    assert drift == visible["encoding_drift"] > 0
    question = sum("?" in v for p in parsed if p.encoding == "gbk" for v in _cells(p, p.headers))
    assert question == visible["unencodable_char"]


def test_header_drift(parsed: list[Parsed], visible: Counter[str]) -> None:
    renamed = extra = 0
    for p in parsed:
        for h in p.headers:
            column = p.contract.column_for_header(h)
            extra += column is None
            renamed += column is not None and h != column.name_zh
    assert renamed == visible["header_renamed"] > 0
    assert extra == visible["header_extra_column"] > 0


def test_rows_broken_by_a_comma(parsed: list[Parsed], defects: pl.DataFrame) -> None:
    broken = {(p.relative, line) for p in parsed for line in p.malformed_lines}
    logged = set(defects.filter(pl.col("kind") == "extra_field").select("file", "line").iter_rows())
    assert broken == logged and broken


def test_every_defect_names_a_known_kind_and_outcome(defects: pl.DataFrame) -> None:
    from pipelines.generator._mess import KINDS

    assert set(defects["kind"].unique()) <= set(KINDS)
    assert set(defects["expected"].unique()) <= {"normalised", "quarantined", "rejected", "flagged", "merged",
                                                  "kept_apart", "passed"}
    assert set(defects["dimension"].unique()) <= {"规范性", "完整性", "准确性", "一致性", "时效性", "可访问性"}
    assert defects["kind"].n_unique() >= 20


def test_defect_lines_exist(parsed: list[Parsed], defects: pl.DataFrame) -> None:
    lines = {(p.relative, line) for p in parsed for line in [*p.rows["_line"].to_list(), *p.malformed_lines]}
    located = defects.filter(pl.col("line").is_not_null() & pl.col("file").is_in([p.relative for p in parsed]))
    missing = [row for row in located.select("file", "line").iter_rows() if row not in lines]
    assert missing == []


def test_truth_path_not_named_in_landing(landing: Path) -> None:
    assert not any("truth" in p.name for p in landing.rglob("*"))


def test_empty_required_values_are_logged(parsed: list[Parsed], defects: pl.DataFrame) -> None:
    """A required cell delivered empty is a `missing_required` defect, and every such defect is
    an empty required cell (counted on the rows the reader returns)."""
    empty = set()
    for p in parsed:
        for h in p.headers:
            column = p.contract.column_for_header(h)
            if column is None or not column.required:
                continue
            values = p.rows[h]
            blank = p.rows.filter(values.is_null() | (values.str.strip_chars() == ""))
            empty |= {(p.relative, line, h) for line in blank["_line"].to_list()}
    logged = set(_visible_defects(defects, parsed).filter(pl.col("kind") == "missing_required")
                 .select("file", "line", "column").iter_rows())
    assert empty == logged and empty
