"""Polars versions of the standards, for millions of rows (the DuckDB UDFs and the resolver).

Every function here gives exactly what the scalar function in the standard's own module gives
(tested on the whole fixture and on generated messy strings). Two forms:

- `*_series(s: pl.Series, ...) -> pl.Series` does the work;
- `*_expr(expr, ...) -> pl.Expr` wraps it (`map_batches`, element-wise) for use in
  `select`/`with_columns`, eager or lazy.

How they stay fast on 2 million rows: values already in canonical shape (most of a real column)
take a fast path decided by one regular expression; only the rest is cleaned, in staged
`with_columns` steps so no intermediate is computed twice. Check characters and birth dates
are computed with NumPy over the bytes of the fixed-width values (a lookup table per
character, a dot product with the weights), not per row in Python. The patterns are the
scalar modules' own (Python `re` and Rust `regex` read them alike: ASCII classes, no
look-around). Only the traditional-to-simplified conversion calls Python (OpenCC), for the
distinct strings that hold a traditional character.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import numpy as np
import polars as pl

from pipelines.settings import CountyProfile
from pipelines.standards import credit_code as cc
from pipelines.standards import dates as dt
from pipelines.standards import id_number as idn
from pipelines.standards import phone as ph
from pipelines.standards import text as tx
from pipelines.standards.division import VILLAGE_MAX, VILLAGE_MIN

IntoExpr = pl.Expr | str
SeriesFn = Callable[[pl.Series], pl.Series]

_FULL_TO_HALF_UPPER = dict(zip(tx.FULLWIDTH, tx.HALFWIDTH, strict=True))
for _lower, _upper in zip(tx.ASCII_LOWER, tx.ASCII_UPPER, strict=True):
    _FULL_TO_HALF_UPPER[_lower] = _upper
    _FULL_TO_HALF_UPPER[chr(ord(_lower) + 0xFEE0)] = _upper
_NULL_STR = pl.lit(None, dtype=pl.String)


def _col(expr: IntoExpr) -> pl.Expr:
    return pl.col(expr) if isinstance(expr, str) else expr


def _wrap(expr: IntoExpr, fn: SeriesFn, dtype: pl.DataType | type[pl.DataType]) -> pl.Expr:
    return _col(expr).map_batches(fn, return_dtype=dtype, is_elementwise=True)


def _text(s: pl.Series) -> pl.Series:
    return s if s.dtype == pl.String else s.cast(pl.String)


def _split_apply(
    s: pl.Series, fast: pl.Series, fast_fn: SeriesFn, slow_fn: SeriesFn, dtype: pl.DataType | type[pl.DataType]
) -> pl.Series:
    """`fast_fn` on the rows where `fast` holds, `slow_fn` on the others, in the original order."""
    fast = fast.fill_null(False)
    n_fast = int(fast.sum())
    if n_fast == len(s):
        return fast_fn(s).cast(dtype).rename(s.name)
    if n_fast == 0:
        return slow_fn(s).cast(dtype).rename(s.name)
    slow_rows = (~fast).arg_true()
    slow = slow_fn(s.filter(~fast)).cast(dtype)
    if fast_fn is _identity:  # canonical rows stay as they are: patch the others in place
        return s.cast(dtype).scatter(slow_rows, slow).rename(s.name)
    out = pl.repeat(None, len(s), dtype=dtype, eager=True).rename(s.name)
    out = out.scatter(fast.arg_true(), fast_fn(s.filter(fast)).cast(dtype))
    return out.scatter(slow_rows, slow)


def _identity(s: pl.Series) -> pl.Series:
    return s


def _stages(s: pl.Series, *stages: dict[str, pl.Expr], result: str) -> pl.Series:
    """Run `with_columns` stages over a frame holding `s` as `raw`; return column `result`."""
    frame = s.rename("raw").to_frame()
    for stage in stages:
        frame = frame.with_columns(**stage)
    return frame[result]


# --- text building blocks -------------------------------------------------------------------


def halfwidth_series(s: pl.Series) -> pl.Series:
    """`text.to_halfwidth`."""
    return _text(s).str.replace_many(tx.FULLWIDTH, tx.HALFWIDTH)


def halfwidth_expr(expr: IntoExpr) -> pl.Expr:
    """`text.to_halfwidth`: full-width ASCII forms and U+3000 to ASCII."""
    return _col(expr).cast(pl.String).str.replace_many(tx.FULLWIDTH, tx.HALFWIDTH)


def _halfwidth_upper(expr: pl.Expr) -> pl.Expr:
    return expr.str.replace_many(list(_FULL_TO_HALF_UPPER), list(_FULL_TO_HALF_UPPER.values()))


def _remove_whitespace(expr: pl.Expr) -> pl.Expr:
    return expr.str.replace_all(tx.WHITESPACE_CLASS, "")


def _none_if_empty(expr: pl.Expr) -> pl.Expr:
    return pl.when(expr == "").then(_NULL_STR).otherwise(expr)


def is_missing_expr(expr: IntoExpr) -> pl.Expr:
    """`text.is_missing`: null, blank, or a missing-value spelling (空, 无, NULL, N/A, -, ...)."""
    e = _col(expr).cast(pl.String)
    cleaned = e.str.replace_many(tx.FULLWIDTH, tx.HALFWIDTH).str.strip_chars(tx.WHITESPACE).str.to_lowercase()
    return (e.is_null() | cleaned.is_in(sorted(tx.MISSING_VALUES))).fill_null(True)


def is_missing_series(s: pl.Series) -> pl.Series:
    """`text.is_missing`."""
    return s.to_frame("raw").select(is_missing_expr("raw").alias(s.name)).to_series()


def _strip_excel_text_marks(text: pl.Expr) -> pl.Expr:
    """`text.strip_excel_text_marks`: a leading `'`, or a `="..."` wrapper, removed."""
    wrapped = text.str.starts_with('="') & text.str.ends_with('"') & (text.str.len_chars() >= 3)
    return pl.when(wrapped).then(text.str.slice(2, text.str.len_chars() - 3)).otherwise(
        text.str.strip_prefix("'")
    )


def _clean_stage(*, upper: bool) -> dict[str, pl.Expr]:
    """Missing -> null; half-width (and ASCII upper); whitespace removed; Excel's text marks
    (a leading `'`, a `="..."` wrapper) dropped."""
    raw = pl.col("raw")
    text = _halfwidth_upper(raw) if upper else raw.str.replace_many(tx.FULLWIDTH, tx.HALFWIDTH)
    text = _strip_excel_text_marks(_remove_whitespace(text))
    return {"t": pl.when(is_missing_expr(raw)).then(_NULL_STR).otherwise(_none_if_empty(text))}


# --- fixed-width codes: character values by lookup, weighted sums with NumPy ------------------


def _lookup_table(values: dict[str, int]) -> np.ndarray:
    table = np.full(256, -1, dtype=np.int32)
    for ch, value in values.items():
        table[ord(ch)] = value
    return table


_DIGIT_TABLE = _lookup_table({str(d): d for d in range(10)})
_CREDIT_TABLE = _lookup_table(cc.CREDIT_CODE_VALUES)
_ORG_TABLE = _lookup_table(cc.ORG_CODE_VALUES)
_ID_CHECK_TABLE = _lookup_table({ch: i for i, ch in enumerate(idn.ID_CHECK_CHARS)})
_ORG_CHECK_TABLE = _lookup_table({**{str(i): i for i in range(10)}, "X": 10})


class _Bytes:
    """The UTF-8 bytes of a text column, for reading fixed positions of every row with NumPy.

    When every row is non-null and of the same byte length (the shaped rows of a code column)
    the bytes are viewed as an (n, width) matrix without copying; otherwise each position is
    gathered through the offsets.
    """

    def __init__(self, s: pl.Series) -> None:
        arrow = _text(s).to_arrow()
        n = len(arrow)
        buffers = arrow.buffers()
        self.n = n
        self.matrix: np.ndarray | None = None
        if n == 0 or buffers[2] is None:
            self.offsets = np.zeros(n + 1, np.int64)
            self.data = np.zeros(1, np.uint8)
            self.lengths = np.full(n, -1 if n else 0, np.int64)
            return
        self.offsets = np.frombuffer(buffers[1], dtype=np.int64)[arrow.offset : arrow.offset + n + 1]
        self.data = np.frombuffer(buffers[2], dtype=np.uint8)
        lengths = np.diff(self.offsets)
        if arrow.null_count:
            lengths = np.where(arrow.is_valid().to_numpy(zero_copy_only=False), lengths, -1)
        self.lengths = lengths
        width = int(lengths[0])
        if width > 0 and arrow.null_count == 0 and (lengths == width).all():
            self.matrix = self.data[self.offsets[0] : self.offsets[0] + n * width].reshape(n, width)

    def values(self, position: int, table: np.ndarray) -> np.ndarray:
        """`table` value of the byte at `position` in every row (-1 where the row is shorter)."""
        if self.matrix is not None:
            if position >= self.matrix.shape[1]:
                return np.full(self.n, -1, np.int32)
            return table[self.matrix[:, position]]
        present = self.lengths > position
        if not present.any():
            return np.full(self.n, -1, np.int32)
        index = np.where(present, self.offsets[:-1] + position, 0)
        return np.where(present, table[self.data[index]], -1)

    def weighted(self, start: int, weights: tuple[int, ...], table: np.ndarray) -> np.ndarray:
        """Weighted sum of the values at start.. of every row; -1 where a character has no value."""
        total = np.zeros(self.n, dtype=np.int32)
        bad = np.zeros(self.n, dtype=bool)
        for i, weight in enumerate(weights):
            value = self.values(start + i, table)
            bad |= value < 0
            total += value * weight
        total[bad] = -1
        return total


def _id_remainders(codes: _Bytes) -> np.ndarray:
    """GB 11643 weighted sum mod 11 of the first 17 characters; -1 unless they are digits."""
    total = codes.weighted(0, idn.ID_WEIGHTS, _DIGIT_TABLE)
    return np.where(total >= 0, total % 11, -1)


def _id_check_chars(s: pl.Series) -> pl.Series:
    """GB 11643 check character of the first 17 characters (null unless they are 17 digits)."""
    remainder = pl.Series(_id_remainders(_Bytes(s)))
    chars = pl.Series(list(idn.ID_CHECK_CHARS))
    return pl.select(pl.when(remainder >= 0).then(chars.gather(remainder.clip(0)))).to_series()


def _id_check_ok(s: pl.Series) -> np.ndarray:
    """True where the 18th character is the GB 11643 check character of the first 17."""
    codes = _Bytes(s)
    remainder = _id_remainders(codes)
    return (remainder >= 0) & (codes.values(17, _ID_CHECK_TABLE) == remainder)


def _credit_check_ok(s: pl.Series) -> tuple[np.ndarray, np.ndarray]:
    """(18th character right, embedded organisation code's check character right) per row."""
    codes = _Bytes(s)
    total = codes.weighted(0, cc.CREDIT_CODE_WEIGHTS, _CREDIT_TABLE)
    check = np.where(total >= 0, (31 - total % 31) % 31, -2)
    return codes.values(17, _CREDIT_TABLE) == check, _org_check_ok(codes, 8)


def _org_check_ok(codes: _Bytes, start: int) -> np.ndarray:
    """True where the character after the 8 from `start` is their GB 11714 check character."""
    total = codes.weighted(start, cc.ORG_CODE_WEIGHTS, _ORG_TABLE)
    check = np.where(total >= 0, (11 - total % 11) % 11, -2)  # 11 -> 0
    return codes.values(start + 8, _ORG_CHECK_TABLE) == check


def _birth_dates(s: pl.Series) -> pl.Series:
    """Real calendar dates (year >= 1800) in characters 7-14 (YYYYMMDD), null otherwise."""
    born = _text(s).str.slice(6, 8).str.to_date("%Y%m%d", strict=False)
    return pl.select(pl.when(born.dt.year() >= idn.MIN_BIRTH_YEAR).then(born)).to_series()


# --- identity numbers (GB 11643) --------------------------------------------------------------

_ID_SHAPE = idn._SHAPE_18_RE.pattern


def _normalise_id_slow(s: pl.Series) -> pl.Series:
    text = _stages(s, _clean_stage(upper=False), {"t": pl.col("t").str.replace_all("x", "X", literal=True)}, result="t")
    legacy = text.str.contains(r"^[0-9]{15}$").fill_null(False)
    if not legacy.any():
        return text
    old = text.filter(legacy)
    body = old.str.slice(0, 6) + "19" + old.str.slice(6)
    return text.scatter(legacy.arg_true(), body + _id_check_chars(body))


def normalise_id_number_series(s: pl.Series) -> pl.Series:
    """`id_number.normalise_id_number`."""
    s = _text(s)
    return _split_apply(s, s.str.contains(_ID_SHAPE), _identity, _normalise_id_slow, pl.String)


def _id_issue_shaped(number: pl.Series, as_of: date) -> pl.Series:
    frame = pl.DataFrame({"ok": _id_check_ok(number), "born": _birth_dates(number)})
    return frame.select(
        pl.when(~pl.col("ok"))
        .then(pl.lit("bad_checksum"))
        .when(pl.col("born").is_null())
        .then(pl.lit("bad_birth_date"))
        .when(pl.col("born") > pl.lit(as_of))
        .then(pl.lit("future_birth_date"))
        .otherwise(_NULL_STR)
    ).to_series()


def _id_issue_other(number: pl.Series) -> pl.Series:
    n = pl.col("raw")
    return _stages(
        number,
        {
            "issue": pl.when(n.is_null())
            .then(pl.lit("empty"))
            .when(n.str.contains(idn.SCIENTIFIC_RE.pattern))
            .then(pl.lit("scientific_notation"))
            .when(~n.str.contains(idn._CHARS_RE.pattern))
            .then(pl.lit("bad_characters"))
            .otherwise(pl.lit("bad_length"))  # right characters but not the 18-character shape
        },
        result="issue",
    )


def id_issue_series(s: pl.Series, as_of: date) -> pl.Series:
    """`id_number.id_number_issue` (reason code, null when valid)."""
    return id_issue_of_normalised_series(normalise_id_number_series(s), as_of)


def id_issue_of_normalised_series(number: pl.Series, as_of: date) -> pl.Series:
    """`id_issue_series` of values `normalise_id_number_series` has already normalised.

    For callers that need both the number and its issue (staging): the normalisation runs once.
    """
    shaped = number.str.contains(_ID_SHAPE)
    return _split_apply(number, shaped, lambda x: _id_issue_shaped(x, as_of), _id_issue_other, pl.String)


def _shaped_only(number: pl.Series, fn: SeriesFn, dtype: pl.DataType | type[pl.DataType]) -> pl.Series:
    return _split_apply(number, number.str.contains(_ID_SHAPE), fn, lambda x: pl.repeat(None, len(x), dtype=dtype, eager=True), dtype)


def id_birth_date_series(s: pl.Series) -> pl.Series:
    """`id_number.id_birth_date`."""
    return _shaped_only(normalise_id_number_series(s), _birth_dates, pl.Date)


def id_gender_series(s: pl.Series) -> pl.Series:
    """`id_number.id_gender`: `1` odd sequence digit, `2` even."""

    def gender(x: pl.Series) -> pl.Series:
        odd = x.str.slice(16, 1).cast(pl.Int8) % 2 == 1
        return pl.select(pl.when(odd).then(pl.lit("1")).otherwise(pl.lit("2"))).to_series()

    return _shaped_only(normalise_id_number_series(s), gender, pl.String)


def id_address_code_series(s: pl.Series) -> pl.Series:
    """`id_number.id_address_code`."""
    return _shaped_only(normalise_id_number_series(s), lambda x: x.str.slice(0, 6), pl.String)


def normalise_id_number_expr(expr: IntoExpr) -> pl.Expr:
    """`id_number.normalise_id_number`: cleaned, 15-digit legacy numbers converted to 18."""
    return _wrap(expr, normalise_id_number_series, pl.String)


def id_issue_expr(expr: IntoExpr, as_of: date) -> pl.Expr:
    """`id_number.id_number_issue` (reason code or null when valid)."""
    return _wrap(expr, lambda s: id_issue_series(s, as_of), pl.String)


def id_valid_expr(expr: IntoExpr, as_of: date) -> pl.Expr:
    """`id_number.is_valid_id_number` (never null)."""
    return id_issue_expr(expr, as_of).is_null()


def id_birth_date_expr(expr: IntoExpr) -> pl.Expr:
    """`id_number.id_birth_date`."""
    return _wrap(expr, id_birth_date_series, pl.Date)


def id_gender_expr(expr: IntoExpr) -> pl.Expr:
    """`id_number.id_gender`."""
    return _wrap(expr, id_gender_series, pl.String)


def id_address_code_expr(expr: IntoExpr) -> pl.Expr:
    """`id_number.id_address_code`."""
    return _wrap(expr, id_address_code_series, pl.String)


# --- credit codes (GB 32100) and organisation codes (GB 11714) --------------------------------

_CREDIT_SHAPE = cc._CREDIT_SHAPE_RE.pattern


def normalise_credit_code_series(s: pl.Series) -> pl.Series:
    """`credit_code.normalise_credit_code`."""
    s = _text(s)
    slow: SeriesFn = lambda x: _stages(x, _clean_stage(upper=True), result="t")  # noqa: E731
    return _split_apply(s, s.str.contains(_CREDIT_SHAPE), _identity, slow, pl.String)


def _credit_issue_shaped(code: pl.Series) -> pl.Series:
    ok, org_ok = _credit_check_ok(code)
    frame = pl.DataFrame({"ok": ok, "org_ok": org_ok})
    return frame.select(
        pl.when(~pl.col("ok"))
        .then(pl.lit("bad_checksum"))
        .when(~pl.col("org_ok"))
        .then(pl.lit("bad_org_code"))
        .otherwise(_NULL_STR)
    ).to_series()


def _credit_issue_other(code: pl.Series) -> pl.Series:
    n = pl.col("raw")
    return _stages(
        code,
        {
            "issue": pl.when(n.is_null())
            .then(pl.lit("empty"))
            .when(n.str.contains(idn.SCIENTIFIC_RE.pattern))
            .then(pl.lit("scientific_notation"))
            .when(~n.str.contains(cc._CREDIT_CHARS_RE.pattern))
            .then(pl.lit("bad_characters"))
            .otherwise(pl.lit("bad_length"))
        },
        result="issue",
    )


def credit_code_issue_series(s: pl.Series) -> pl.Series:
    """`credit_code.credit_code_issue`."""
    return credit_code_issue_of_normalised_series(normalise_credit_code_series(s))


def credit_code_issue_of_normalised_series(code: pl.Series) -> pl.Series:
    """`credit_code_issue_series` of values `normalise_credit_code_series` has already normalised."""
    return _split_apply(code, code.str.contains(_CREDIT_SHAPE), _credit_issue_shaped, _credit_issue_other, pl.String)


def normalise_org_code_series(s: pl.Series) -> pl.Series:
    """`credit_code.normalise_org_code`."""
    t = pl.col("t")
    hyphenated = (t.str.len_chars() == 10) & (t.str.slice(8, 1) == "-")
    unhyphen = {"t": pl.when(hyphenated).then(t.str.slice(0, 8) + t.str.slice(9, 1)).otherwise(t)}
    return _stages(_text(s), _clean_stage(upper=True), unhyphen, result="t").rename(s.name)


def org_code_valid_series(s: pl.Series) -> pl.Series:
    """`credit_code.is_valid_org_code` (never null)."""
    return org_code_valid_of_normalised_series(normalise_org_code_series(s)).rename(s.name)


def org_code_valid_of_normalised_series(code: pl.Series) -> pl.Series:
    """`org_code_valid_series` of values `normalise_org_code_series` has already normalised."""
    shaped = code.str.contains(cc._ORG_CODE_RE.pattern).fill_null(False)
    return (shaped & pl.Series(_org_check_ok(_Bytes(code), 0))).fill_null(False).rename(code.name)


def normalise_credit_code_expr(expr: IntoExpr) -> pl.Expr:
    """`credit_code.normalise_credit_code`."""
    return _wrap(expr, normalise_credit_code_series, pl.String)


def credit_code_issue_expr(expr: IntoExpr) -> pl.Expr:
    """`credit_code.credit_code_issue`."""
    return _wrap(expr, credit_code_issue_series, pl.String)


def credit_code_valid_expr(expr: IntoExpr) -> pl.Expr:
    """`credit_code.is_valid_credit_code` (both check levels; never null)."""
    return credit_code_issue_expr(expr).is_null()


def normalise_org_code_expr(expr: IntoExpr) -> pl.Expr:
    """`credit_code.normalise_org_code`."""
    return _wrap(expr, normalise_org_code_series, pl.String)


def org_code_valid_expr(expr: IntoExpr) -> pl.Expr:
    """`credit_code.is_valid_org_code` (never null)."""
    return _wrap(expr, org_code_valid_series, pl.Boolean)


# --- phones -----------------------------------------------------------------------------------

_MOBILE = ph.MOBILE_PATTERN


def _normalise_phone_slow(s: pl.Series, area_code: str) -> pl.Series:
    t = pl.col("t")
    plus, zeros = t.str.starts_with("+86"), t.str.starts_with("0086")
    rest = pl.when(plus).then(t.str.slice(3)).when(zeros).then(t.str.slice(4))
    return _stages(
        s,
        {
            "t": _strip_excel_text_marks(
                _remove_whitespace(pl.col("raw").str.replace_many(tx.FULLWIDTH, tx.HALFWIDTH))
                .str.replace_all(ph.PHONE_SEPARATORS_PATTERN, "")
            ),
            "missing": is_missing_expr("raw"),
        },
        {"rest": rest, "intl": plus | zeros},
        {
            "t": pl.when(pl.col("intl"))
            .then(pl.when(pl.col("rest").str.contains("^[01]")).then(pl.col("rest")).otherwise("0" + pl.col("rest")))
            .when(t.str.contains(r"^861[0-9]{10}$"))
            .then(t.str.slice(2))
            .otherwise(t)
        },
        {"t": pl.when(t.str.contains(r"^01[3-9][0-9]{9}$")).then(t.str.slice(1)).otherwise(t)},
        {"t": pl.coalesce(t.str.extract(ph.AREA_CODE_MOBILE_PATTERN, 1), t)},
        {"t": pl.when(t.str.contains(r"^[2-9][0-9]{6,7}$")).then(pl.lit(area_code) + t).otherwise(t)},
        {"t": pl.when(pl.col("missing")).then(_NULL_STR).otherwise(_none_if_empty(t))},
        result="t",
    )


def normalise_phone_series(s: pl.Series, area_code: str = ph.DEFAULT_AREA_CODE) -> pl.Series:
    """`phone.normalise_phone`."""
    s = _text(s)
    return _split_apply(s, s.str.contains(_MOBILE), _identity, lambda x: _normalise_phone_slow(x, area_code), pl.String)


def _phone_issue_other(number: pl.Series) -> pl.Series:
    n = pl.col("raw")
    return _stages(
        number,
        {
            "issue": pl.when(n.is_null())
            .then(pl.lit("empty"))
            .when(n.str.contains(idn.SCIENTIFIC_RE.pattern))
            .then(pl.lit("scientific_notation"))
            .when(~n.str.contains(r"^[0-9]+$"))
            .then(pl.lit("bad_characters"))
            .when(n.str.contains(ph._VALID_RE.pattern))
            .then(_NULL_STR)
            .when(n.str.contains(r"^1[0-9]{10}$") | ~n.str.contains("^[0148]"))
            .then(pl.lit("bad_prefix"))
            .otherwise(pl.lit("bad_length"))
        },
        result="issue",
    )


def phone_issue_series(s: pl.Series, area_code: str = ph.DEFAULT_AREA_CODE) -> pl.Series:
    """`phone.phone_issue`."""
    number = normalise_phone_series(s, area_code)
    none: SeriesFn = lambda x: pl.repeat(None, len(x), dtype=pl.String, eager=True)  # noqa: E731
    return _split_apply(number, number.str.contains(_MOBILE), none, _phone_issue_other, pl.String)


def normalise_phone_expr(expr: IntoExpr, area_code: str = ph.DEFAULT_AREA_CODE) -> pl.Expr:
    """`phone.normalise_phone`: digits only, country code dropped, local numbers get `area_code`."""
    return _wrap(expr, lambda s: normalise_phone_series(s, area_code), pl.String)


def phone_issue_expr(expr: IntoExpr, area_code: str = ph.DEFAULT_AREA_CODE) -> pl.Expr:
    """`phone.phone_issue`."""
    return _wrap(expr, lambda s: phone_issue_series(s, area_code), pl.String)


def phone_valid_expr(expr: IntoExpr, area_code: str = ph.DEFAULT_AREA_CODE) -> pl.Expr:
    """`phone.is_valid_phone` (never null)."""
    return phone_issue_expr(expr, area_code).is_null()


# --- dates ------------------------------------------------------------------------------------


def _parse_date_slow(s: pl.Series) -> pl.Series:
    t = pl.col("t")
    fields = [pl.col("parts").struct.field(str(i)) for i in range(1, 16)]
    serial = pl.col("serial_text").cast(pl.Int64, strict=False)
    yearlike = (pl.col("serial_text").str.len_chars() == 4) & serial.is_between(dt.YEARLIKE_MIN, dt.YEARLIKE_MAX)
    serial_ok = serial.is_between(dt.EXCEL_SERIAL_MIN, dt.EXCEL_SERIAL_MAX) & ~yearlike
    ymd = pl.concat_str([pl.col("y"), pl.col("m"), pl.col("d")], separator="-").str.to_date("%Y-%m-%d", strict=False)
    return _stages(
        s,
        {
            "t": pl.when(is_missing_expr("raw"))
            .then(_NULL_STR)
            .otherwise(
                _none_if_empty(pl.col("raw").str.replace_many(tx.FULLWIDTH, tx.HALFWIDTH).str.strip_chars(tx.WHITESPACE))
            )
        },
        {"parts": t.str.extract_groups(dt.DATE_PATTERN), "serial_text": t.str.extract(dt.EXCEL_SERIAL_PATTERN, 1)},
        {
            "y": pl.coalesce(fields[0::3]),
            "m": pl.coalesce(fields[1::3]).str.pad_start(2, "0"),
            "d": pl.coalesce(fields[2::3]).str.pad_start(2, "0"),
        },
        {
            "date": pl.when(pl.col("y").is_not_null())
            .then(pl.when(pl.col("y").cast(pl.Int32, strict=False) >= 1).then(ymd))
            .otherwise(pl.when(serial_ok).then(pl.lit(dt.EXCEL_EPOCH) + pl.duration(days=serial)).cast(pl.Date))
        },
        result="date",
    )


def parse_date_series(s: pl.Series) -> pl.Series:
    """`dates.parse_date` over text: every accepted spelling, Excel serials included."""
    s = _text(s)
    iso = s.str.contains(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
    return _split_apply(s, iso, lambda x: x.str.to_date("%Y-%m-%d", strict=False), _parse_date_slow, pl.Date)


def parse_date_expr(expr: IntoExpr) -> pl.Expr:
    """`dates.parse_date` over a string column."""
    return _wrap(expr, parse_date_series, pl.Date)


# --- text -------------------------------------------------------------------------------------


def simplified_series(s: pl.Series) -> pl.Series:
    """`text.to_simplified`: OpenCC t2s, called only for distinct strings with a traditional character."""
    s = _text(s)
    has_traditional = s.str.contains_any(sorted(tx.traditional_trigger_chars())).fill_null(False)
    distinct = s.filter(has_traditional).unique().to_list()
    if not distinct:
        return s
    return s.replace({value: tx.to_simplified(value) for value in distinct})


def simplified_expr(expr: IntoExpr) -> pl.Expr:
    """`text.to_simplified`."""
    return _wrap(expr, simplified_series, pl.String)


def normalise_name_series(s: pl.Series) -> pl.Series:
    """`text.normalise_name`.

    Names of CJK unified ideographs only (most of a column) need no cleaning, just the script
    conversion; the others are cleaned first.
    """
    s = _text(s)
    text = _remove_whitespace(pl.col("raw").str.replace_many(tx.FULLWIDTH, tx.HALFWIDTH))
    text = text.str.replace_all(tx.NAME_DOTS_PATTERN, tx.NAME_DOT).str.strip_chars(tx.NAME_DOT)
    clean_stage = {"t": pl.when(is_missing_expr("raw")).then(_NULL_STR).otherwise(_none_if_empty(text))}
    plain = s.str.contains("^[\u4e00-\u9fff]+$") & ~s.is_in(sorted(tx.MISSING_VALUES))
    cleaned = _split_apply(s, plain, _identity, lambda x: _stages(x, clean_stage, result="t"), pl.String)
    return simplified_series(cleaned).rename(s.name)


def normalise_name_expr(expr: IntoExpr) -> pl.Expr:
    """`text.normalise_name`."""
    return _wrap(expr, normalise_name_series, pl.String)


def normalise_text_expr(expr: IntoExpr) -> pl.Expr:
    """`text.normalise_text`."""
    e = _col(expr).cast(pl.String)
    text = e.str.replace_many(tx.FULLWIDTH, tx.HALFWIDTH).str.replace_all(tx.WHITESPACE_CLASS + "+", " ")
    return pl.when(is_missing_expr(e)).then(_NULL_STR).otherwise(text.str.strip_chars(tx.WHITESPACE))


AMOUNT_SCALE = 6


def parse_amount_series(s: pl.Series, unit: str = "元", assumed_unit: str = "元") -> pl.Series:
    """`text.parse_amount` as Decimal(38, 6): the same number, rounded to 6 decimal places."""
    if unit not in tx.AMOUNT_UNITS or assumed_unit not in tx.AMOUNT_UNITS:
        raise ValueError(f"unknown money unit {unit!r} or {assumed_unit!r}; use one of {sorted(tx.AMOUNT_UNITS)}")
    decimal = pl.Decimal(38, AMOUNT_SCALE)
    factors = {k: str(v / tx.AMOUNT_UNITS[unit]) for k, v in tx.AMOUNT_UNITS.items()}
    parts = pl.col("parts")
    return _stages(
        _text(s),
        {
            "t": _remove_whitespace(_halfwidth_upper(pl.col("raw"))).str.replace_all("[,，]", ""),
            "missing": is_missing_expr("raw"),
        },
        {"parts": pl.col("t").str.extract_groups(tx.AMOUNT_PATTERN)},
        {
            "number": parts.struct.field("1").cast(decimal, strict=False),
            "factor": parts.struct.field("2")
            .fill_null(assumed_unit)
            .replace_strict(factors, return_dtype=pl.String)
            .cast(decimal),
        },
        {"amount": pl.when(~pl.col("missing")).then((pl.col("number") * pl.col("factor")).cast(decimal))},
        result="amount",
    ).rename(s.name)


def parse_amount_expr(expr: IntoExpr, unit: str = "元", assumed_unit: str = "元") -> pl.Expr:
    """`text.parse_amount` as Decimal(38, 6)."""
    parse_amount_series(pl.Series([], dtype=pl.String), unit, assumed_unit)  # check the units now
    return _wrap(expr, lambda s: parse_amount_series(s, unit, assumed_unit), pl.Decimal(38, AMOUNT_SCALE))


# --- sex (GB/T 2261.1) -------------------------------------------------------------------------


def normalise_gender_series(s: pl.Series) -> pl.Series:
    """`gender.normalise_gender`."""
    from pipelines.standards.gender import GENDER_CODES

    raw = pl.col("raw")
    key = _remove_whitespace(raw.str.replace_many(tx.FULLWIDTH, tx.HALFWIDTH)).str.to_lowercase()
    code = key.replace_strict(GENDER_CODES, default=None, return_dtype=pl.String)
    return _stages(_text(s), {"g": pl.when(is_missing_expr(raw)).then(_NULL_STR).otherwise(code)}, result="g").rename(
        s.name
    )


def normalise_gender_expr(expr: IntoExpr) -> pl.Expr:
    """`gender.normalise_gender`."""
    return _wrap(expr, normalise_gender_series, pl.String)


def normalise_boolean_series(s: pl.Series) -> pl.Series:
    """`boolean.normalise_boolean`."""
    from pipelines.standards.boolean import BOOLEAN_VALUES

    key = _remove_whitespace(pl.col("raw").str.replace_many(tx.FULLWIDTH, tx.HALFWIDTH)).str.to_lowercase()
    if s.dtype == pl.Boolean:
        return s
    return _stages(_text(s), {"b": key.replace_strict(BOOLEAN_VALUES, default=None, return_dtype=pl.Boolean)}, result="b").rename(s.name)


def normalise_boolean_expr(expr: IntoExpr) -> pl.Expr:
    """`boolean.normalise_boolean`."""
    return _wrap(expr, normalise_boolean_series, pl.Boolean)


# --- division codes ---------------------------------------------------------------------------


def _division_clean(expr: pl.Expr) -> pl.Expr:
    text = _remove_whitespace(expr.cast(pl.String).str.replace_many(tx.FULLWIDTH, tx.HALFWIDTH))
    return pl.when(is_missing_expr(expr)).then(_NULL_STR).otherwise(_none_if_empty(text))


def _division_frame(s: pl.Series, county: CountyProfile) -> pl.DataFrame:
    code = pl.col("code")
    n = code.str.len_chars()
    township, village = pl.col("township"), pl.col("village")
    village_ok = village.is_null() | village.cast(pl.Int32, strict=False).is_between(VILLAGE_MIN, VILLAGE_MAX)
    frame = _text(s).rename("raw").to_frame()
    frame = frame.with_columns(code=_division_clean(pl.col("raw")))
    frame = frame.with_columns(
        shaped=code.str.contains(r"^(?:[0-9]{6}|[0-9]{9}|[0-9]{12})$").fill_null(False),
        township=pl.when((n >= 9) & (code.str.slice(6, 3) != "000")).then(code.str.slice(6, 3)),
        village=pl.when((n == 12) & (code.str.slice(9, 3) != "000")).then(code.str.slice(9, 3)),
    )
    frame = frame.with_columns(ours=pl.col("shaped") & code.str.slice(0, 6).is_in(county.all_codes))
    lower_ok = (
        pl.when(township.is_null())
        .then(village.is_null())
        .otherwise(township.is_in([t.code[6:9] for t in county.townships]) & village_ok)
    )
    return frame.with_columns(
        valid=(pl.col("ours") & lower_ok).fill_null(False),
        current=pl.when(pl.col("ours")).then(pl.lit(county.code) + code.str.slice(6)).otherwise(code),
    )


def division_valid_series(s: pl.Series, county: CountyProfile) -> pl.Series:
    """`division.is_valid_county_division_code` (never null)."""
    return _division_frame(s, county)["valid"].rename(s.name)


def division_current_series(s: pl.Series, county: CountyProfile) -> pl.Series:
    """`division.normalise_county_division_code`."""
    return _division_frame(s, county)["current"].rename(s.name)


def division_current_and_valid_series(s: pl.Series, county: CountyProfile) -> tuple[pl.Series, pl.Series]:
    """(`division_current_series`, `division_valid_series`) from one pass over `s`."""
    frame = _division_frame(s, county)
    return frame["current"].rename(s.name), frame["valid"].rename(s.name)


def township_of_series(s: pl.Series, county: CountyProfile) -> pl.Series:
    """`division.township_of`."""
    frame = _division_frame(s, county)
    current = pl.col("current")
    has_township = (current.str.len_chars() >= 9) & (current.str.slice(6, 3) != "000")
    return frame.select(pl.when(pl.col("valid") & has_township).then(current.str.slice(0, 9))).to_series().rename(s.name)


def division_valid_in_year_series(s: pl.Series, years: pl.Series | int, county: CountyProfile) -> pl.Series:
    """`division.county_division_valid_in_year`; `years` is one year or one per row."""
    frame = _division_frame(s, county).with_columns(year=years if isinstance(years, pl.Series) else pl.lit(years))
    prefix, y = pl.col("code").str.slice(0, 6), pl.col("year")
    in_year = [
        (prefix == h.code) & (y >= h.valid_from) & (pl.lit(True) if h.valid_to is None else (y <= h.valid_to))
        for h in county.historic_codes
    ] or [prefix == county.code]
    return frame.select((pl.col("valid") & pl.any_horizontal(in_year)).fill_null(False)).to_series().rename(s.name)


def division_valid_expr(expr: IntoExpr, county: CountyProfile) -> pl.Expr:
    """`division.is_valid_county_division_code` for `county` (never null)."""
    return _wrap(expr, lambda s: division_valid_series(s, county), pl.Boolean)


def division_current_expr(expr: IntoExpr, county: CountyProfile) -> pl.Expr:
    """`division.normalise_county_division_code`: a historic county prefix mapped to the current one."""
    return _wrap(expr, lambda s: division_current_series(s, county), pl.String)


def township_of_expr(expr: IntoExpr, county: CountyProfile) -> pl.Expr:
    """`division.township_of`."""
    return _wrap(expr, lambda s: township_of_series(s, county), pl.String)


def division_valid_in_year_expr(expr: IntoExpr, year: IntoExpr | int, county: CountyProfile) -> pl.Expr:
    """`division.county_division_valid_in_year`; `year` is an int or an expression (one per row)."""
    if isinstance(year, int):
        return _wrap(expr, lambda s: division_valid_in_year_series(s, year, county), pl.Boolean)
    both = pl.struct(_col(expr).cast(pl.String).alias("code"), _col(year).alias("year"))
    return both.map_batches(
        lambda st: division_valid_in_year_series(st.struct.field("code"), st.struct.field("year"), county),
        return_dtype=pl.Boolean,
        is_elementwise=True,
    )
