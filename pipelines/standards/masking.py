"""The one masking function, driven by column sensitivity (design.md: everything that leaves the
warehouse, share packages, open data, reports, failing-record samples, goes through it).

Rules (GB/T 35273 personal-information de-identification practice, as departments apply it):
`public` and `internal` values pass unchanged; `personal` and `sensitive` values are masked with
`*`, length preserved, deterministically:

| kind | kept | example |
| --- | --- | --- |
| identity number (15+ chars) | first 6 (address code) and last 1 | `371503***********X` |
| phone (10+ chars) | first 3 and last 4 | `138****5678` |
| name | the first character (the surname) | `张*`, `张**` |
| address | up to the township/street (镇, 乡, 街道), else up to the county (区, 县, 市) | `山东省聊城市茌平区乐平铺镇*******` |
| credit / organisation code | first 8 (authority, category, division) and last 1 | `92371503*********X` |
| anything else | the first character | `1*********` |

A value too short for its kind's rule falls back to the generic rule, and a rule that would keep
every character masks more: a masked value of two or more characters never equals the original
(unless the original is made of `*`). Credit codes of organisations are public information: they
are masked only when their column is marked personal or sensitive (individual businesses).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from enum import StrEnum
from typing import Any

import polars as pl

from pipelines.contracts.schema import Column, ColumnType, Sensitivity, SourceContract
from pipelines.errors import GovdataError
from pipelines.standards.text import _as_text

MASK_CHAR = "*"


class MaskingError(GovdataError):
    """A frame to be masked has columns no contract classifies (they would leave unmasked)."""


class MaskKind(StrEnum):
    """What a value is, for choosing its masking rule."""

    ID_NUMBER = "id_number"
    PHONE = "phone"
    NAME = "name"
    ADDRESS = "address"
    CREDIT_CODE = "credit_code"
    TEXT = "text"


MASKED_SENSITIVITIES = frozenset({Sensitivity.PERSONAL, Sensitivity.SENSITIVE})
ID_MIN_LENGTH, PHONE_MIN_LENGTH, CODE_MIN_LENGTH = 15, 10, 15
# Township-level unit names end in 街道, 镇 or 乡 (also 苏木 in Inner Mongolia); county-level in 区, 县, 市, 旗.
ADDRESS_TOWNSHIP_PATTERN = r"(?s)^(.*?(?:街道|镇|乡|苏木))"
ADDRESS_COUNTY_PATTERN = r"(?s)^(.*?(?:区|县|旗|市))"
_TOWNSHIP_RE = re.compile(ADDRESS_TOWNSHIP_PATTERN)
_COUNTY_RE = re.compile(ADDRESS_COUNTY_PATTERN)

_KIND_OF_TYPE = {
    ColumnType.ID_NUMBER: MaskKind.ID_NUMBER,
    ColumnType.PHONE: MaskKind.PHONE,
    ColumnType.CREDIT_CODE: MaskKind.CREDIT_CODE,
    ColumnType.ORG_CODE: MaskKind.CREDIT_CODE,
}


def mask_kind(kind: Any) -> MaskKind:
    """The masking rule for a ColumnType, a MaskKind or its value; None and other types -> TEXT."""
    if kind is None:
        return MaskKind.TEXT
    if isinstance(kind, MaskKind):
        return kind
    if isinstance(kind, ColumnType):
        return _KIND_OF_TYPE.get(kind, MaskKind.TEXT)
    text = str(kind)
    if text in MaskKind._value2member_map_:
        return MaskKind(text)
    if text in ColumnType._value2member_map_:
        return _KIND_OF_TYPE.get(ColumnType(text), MaskKind.TEXT)
    raise ValueError(f"unknown masking kind {kind!r}; use a ColumnType or one of {[k.value for k in MaskKind]}")


def column_mask_kind(column: Column) -> MaskKind:
    """The rule for a contract column: by type, and for text columns names and addresses by name.

    A text column is a name when its English name is `name` or ends in `_name`, or its header
    holds 姓名/名称; an address when its English name holds `address` or its header 地址/住址/住所.
    """
    kind = mask_kind(column.type)
    if kind is not MaskKind.TEXT or column.type is not ColumnType.TEXT:
        return kind
    if "address" in column.name or any(word in column.name_zh for word in ("地址", "住址", "住所")):
        return MaskKind.ADDRESS
    if column.name == "name" or column.name.endswith("_name") or any(w in column.name_zh for w in ("姓名", "名称")):
        return MaskKind.NAME
    return MaskKind.TEXT


def _is_masked(sensitivity: Sensitivity | str) -> bool:
    try:
        level = Sensitivity(str(sensitivity))
    except ValueError:
        raise ValueError(f"unknown sensitivity {sensitivity!r}; use one of {[s.value for s in Sensitivity]}") from None
    return level in MASKED_SENSITIVITIES


def _keep_ends(text: str, head: int, tail: int) -> str:
    return text[:head] + MASK_CHAR * (len(text) - head - tail) + (text[len(text) - tail :] if tail else "")


def _generic(text: str) -> str:
    return _keep_ends(text, 1, 0) if len(text) >= 2 else MASK_CHAR * len(text)


def _address(text: str) -> str:
    for pattern in (_TOWNSHIP_RE, _COUNTY_RE):
        match = pattern.match(text)
        if match is not None and len(match.group(1)) < len(text):
            return _keep_ends(text, len(match.group(1)), 0)
    return _generic(text)


def mask(value: Any, sensitivity: Sensitivity | str, kind: ColumnType | MaskKind | str | None = None) -> Any:
    """Mask a value for leaving the warehouse, by its column's sensitivity and kind (see module notes).

    Args:
        value: the value as stored (text, or a number/date, which is masked as its text form).
        sensitivity: the column's `Sensitivity` (or its value); public/internal return `value`
            itself, unchanged and of the same type.
        kind: the column's `ColumnType`, a `MaskKind` (`name`, `address`, ...) or None (generic).

    Examples:
        >>> mask("11010519491231002X", "sensitive", "id_number")
        '110105***********X'
        >>> mask("张小明", "personal", "name")
        '张**'
    """
    if not _is_masked(sensitivity):
        return value
    text = _as_text(value) if not hasattr(value, "isoformat") else value.isoformat()
    if text is None:
        return None
    rule = mask_kind(kind)
    n = len(text)
    if rule is MaskKind.ID_NUMBER and n >= ID_MIN_LENGTH:
        return _keep_ends(text, 6, 1)
    if rule is MaskKind.PHONE and n >= PHONE_MIN_LENGTH:
        return _keep_ends(text, 3, 4)
    if rule is MaskKind.CREDIT_CODE and n >= CODE_MIN_LENGTH:
        return _keep_ends(text, 8, 1)
    if rule is MaskKind.ADDRESS:
        return _address(text)
    return _generic(text)


# --- vectorised ---------------------------------------------------------------------------


def _keep_ends_expr(text: pl.Expr, n: pl.Expr, head: int, tail: int) -> pl.Expr:
    kept_head = text.str.slice(0, head)
    masked = kept_head.str.pad_end(n - tail, MASK_CHAR)
    return pl.concat_str([masked, text.str.slice(-tail, tail)]) if tail else masked


def _generic_expr(text: pl.Expr, n: pl.Expr) -> pl.Expr:
    return pl.when(n >= 2).then(_keep_ends_expr(text, n, 1, 0)).otherwise(pl.lit("").str.pad_end(n, MASK_CHAR))


def _address_expr(text: pl.Expr, n: pl.Expr) -> pl.Expr:
    township = text.str.extract(ADDRESS_TOWNSHIP_PATTERN, 1)
    county = text.str.extract(ADDRESS_COUNTY_PATTERN, 1)
    t_len, c_len = township.str.len_chars(), county.str.len_chars()
    return (
        pl.when(t_len < n)
        .then(township.str.pad_end(n, MASK_CHAR))
        .when(c_len < n)
        .then(county.str.pad_end(n, MASK_CHAR))
        .otherwise(_generic_expr(text, n))
    )


def mask_expr(
    expr: pl.Expr, sensitivity: Sensitivity | str, kind: ColumnType | MaskKind | str | None = None
) -> pl.Expr:
    """`mask` as a Polars expression over a string column (gives the same text as `mask`).

    For public/internal the expression is returned as it is (any dtype). Otherwise non-string
    input is cast to text first (dates as ISO text).
    """
    if not _is_masked(sensitivity):
        return expr
    text = expr.cast(pl.String)
    n = text.str.len_chars()
    rule = mask_kind(kind)
    generic = _generic_expr(text, n)
    if rule is MaskKind.ID_NUMBER:
        return pl.when(n >= ID_MIN_LENGTH).then(_keep_ends_expr(text, n, 6, 1)).otherwise(generic)
    if rule is MaskKind.PHONE:
        return pl.when(n >= PHONE_MIN_LENGTH).then(_keep_ends_expr(text, n, 3, 4)).otherwise(generic)
    if rule is MaskKind.CREDIT_CODE:
        return pl.when(n >= CODE_MIN_LENGTH).then(_keep_ends_expr(text, n, 8, 1)).otherwise(generic)
    if rule is MaskKind.ADDRESS:
        return _address_expr(text, n)
    return generic


def mask_column(series: pl.Series, column: Column) -> pl.Series:
    """Mask a whole column by its contract `Column` (sensitivity and kind), keeping its name."""
    kind = column_mask_kind(column)
    return series.to_frame("v").select(mask_expr(pl.col("v"), column.sensitivity, kind).alias(series.name)).to_series()


def _columns_by_header(contract_or_columns: SourceContract | Iterable[Column] | Mapping[str, Column]) -> dict[str, Column]:
    if isinstance(contract_or_columns, SourceContract):
        columns: Iterable[Column] = contract_or_columns.columns
    elif isinstance(contract_or_columns, Mapping):
        return dict(contract_or_columns)
    else:
        columns = contract_or_columns
    by_header: dict[str, Column] = {}
    for column in columns:
        for header in (column.name, *column.headers):
            by_header.setdefault(header, column)
    return by_header


def mask_frame(
    df: pl.DataFrame,
    contract_or_columns: SourceContract | Iterable[Column] | Mapping[str, Column],
    *,
    unknown: str = "raise",
) -> pl.DataFrame:
    """Mask every column of `df` by the contract column it is (matched by English name, header or alias).

    Lineage columns (names starting with `_`) pass unchanged. Other columns no contract column
    classifies would leave unmasked by accident, so by default they raise `MaskingError`; pass
    `unknown="keep"` to pass them through (only for columns known to be harmless, e.g. computed
    ids) or `unknown="mask"` to mask them with the generic personal rule.
    """
    if unknown not in ("raise", "keep", "mask"):
        raise ValueError(f"unknown={unknown!r}: use 'raise', 'keep' or 'mask'")
    by_header = _columns_by_header(contract_or_columns)
    strays = [c for c in df.columns if c not in by_header and not c.startswith("_")]
    if strays and unknown == "raise":
        raise MaskingError(f"columns without a contract sensitivity would leave unmasked: {', '.join(strays)}")
    exprs = []
    for name in df.columns:
        column = by_header.get(name)
        if column is not None:
            exprs.append(mask_expr(pl.col(name), column.sensitivity, column_mask_kind(column)).alias(name))
        elif name in strays and unknown == "mask":
            exprs.append(mask_expr(pl.col(name), Sensitivity.PERSONAL, None).alias(name))
        else:
            exprs.append(pl.col(name))
    return df.select(exprs)
