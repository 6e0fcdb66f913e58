"""Row conditions shared by the multicolumn expectations (GX side) and by `dq.failures` (which
names, for a failing record, the columns that made it fail). Plain pandas, no GX import."""

from __future__ import annotations

from typing import Any

import pandas as pd


def as_text(series: pd.Series) -> pd.Series:
    """A column as text (missing stays missing)."""
    if isinstance(series.dtype, pd.StringDtype):
        return series
    return series.astype("string")


def matches(series: pd.Series, regex: str) -> pd.Series:
    """True where a (non-missing) value matches `regex`."""
    return as_text(series).str.contains(regex, regex=True).fillna(False).astype(bool)


def too_long(series: pd.Series, max_length: int) -> pd.Series:
    """True where a (non-missing) value is longer than `max_length` characters."""
    return (as_text(series).str.len() > max_length).fillna(False).astype(bool)


def offending(frame: pd.DataFrame, expectation: str, kwargs: dict[str, Any]) -> dict[str, pd.Series]:
    """Per column of a multicolumn check, where that column makes a row fail."""
    columns = [c for c in kwargs["column_list"] if c in frame.columns]
    if expectation == "expect_multicolumn_values_to_not_match_regex":
        return {c: matches(frame[c], kwargs["regex"]) for c in columns}
    if expectation == "expect_multicolumn_value_lengths_to_be_at_most":
        return {c: too_long(frame[c], int(kwargs["max_lengths"][c])) for c in columns}
    raise ValueError(f"no per-column condition for {expectation}")


def row_ok(frame: pd.DataFrame, expectation: str, kwargs: dict[str, Any]) -> pd.Series:
    """True for rows where no column of a multicolumn check fails."""
    failing = pd.Series(False, index=frame.index)
    for flags in offending(frame, expectation, kwargs).values():
        failing |= flags
    return ~failing
