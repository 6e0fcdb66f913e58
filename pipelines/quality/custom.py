"""Custom Great Expectations for the national standards, each built on the project's one
implementation of the standard (`pipelines.standards`), never on a re-implementation.

Importing this module registers the expectations with GX (its metaclass registry), so that a
suite names them by their snake_case type (`expect_column_values_to_be_valid_id_number`). Only
the pandas engine is implemented: the checks validate dataframes read from DuckDB (GX's SQL
datasource over duckdb-engine returns empty results, GX issues #10738 and #11579).

Settings-dependent arguments (`as_of`, `county`) are expectation arguments, so a suite's JSON
says exactly what it checked against; the declarations fill them from the settings.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date, datetime
from functools import lru_cache
from typing import Any, ClassVar, Literal

import pandas as pd
import polars as pl
from great_expectations.execution_engine import PandasExecutionEngine
from great_expectations.expectations.expectation import (
    ColumnMapExpectation,
    ColumnPairMapExpectation,
    MulticolumnMapExpectation,
)
from great_expectations.expectations.metrics.map_metric_provider import (
    ColumnMapMetricProvider,
    ColumnPairMapMetricProvider,
    MulticolumnMapMetricProvider,
    column_condition_partial,
    column_pair_condition_partial,
)
from great_expectations.expectations.metrics.map_metric_provider.multicolumn_condition_partial import (
    multicolumn_condition_partial,
)

from pipelines import standards
from pipelines.quality import conditions
from pipelines.settings import CountyProfile
from pipelines.standards import exprs

_LIBRARY_METADATA: dict[str, Any] = {
    "maturity": "production",
    "tags": ["govdata", "national standard"],
    "contributors": ["govdata"],
}
IgnoreRowIf = Literal["both_values_are_missing", "either_value_is_missing", "neither"]


def apply_by_value(column: pd.Series, predicate: Callable[[Any], bool]) -> pd.Series:
    """`predicate` over a column, evaluated once per distinct value (codes and dates repeat)."""
    verdict = {value: bool(predicate(value)) for value in column.unique()}
    return column.map(verdict).astype(bool)


def map_by_value(column: pd.Series, function: Callable[[Any], Any]) -> pd.Series:
    """`function` over a column, evaluated once per distinct value, as an object column."""
    mapped = {value: function(value) for value in column.unique()}
    return column.map(mapped).astype(object)


def apply_expr(column: pd.Series, build: Callable[[pl.Expr], pl.Expr]) -> pd.Series:
    """A Polars expression of `pipelines.standards.exprs` over a column (as text), vectorised."""
    frame = pl.DataFrame({"v": pl.from_pandas(column.astype("string[pyarrow]"))})
    result = frame.select(build(pl.col("v")).alias("r")).to_series()
    if result.dtype == pl.Boolean:
        return pd.Series(result.fill_null(False).to_numpy(), index=column.index, dtype=bool)
    return pd.Series(result.to_list(), index=column.index, dtype=object)


def _is_null(series: pd.Series) -> pd.Series:
    return series.isna()


def _bool_series(result: pl.Series, index: pd.Index) -> pd.Series:
    """A Polars verdict as the boolean pandas series GX expects (null counts as failing)."""
    return pd.Series(result.fill_null(False).to_numpy(), index=index, dtype=bool)


def _text_series(column: pd.Series) -> pl.Series:
    return pl.from_pandas(column.astype("string[pyarrow]"))


def is_blank(column: pd.Series) -> pd.Series:
    """`standards.is_missing` over a column, vectorised (`exprs.is_missing_expr`)."""
    return _bool_series(exprs.is_missing_series(_text_series(column)), column.index)


def date_series(column: pd.Series) -> pl.Series:
    """`as_date` over a column, vectorised: staged dates and timestamps as they are, delivered
    text through `exprs.parse_date_series` (the one date reader); a column mixing kinds of
    values goes value by value."""
    if pd.api.types.is_datetime64_any_dtype(column.dtype):
        return pl.from_pandas(column).cast(pl.Date)
    if pd.api.types.is_string_dtype(column.dtype) and not pd.api.types.is_object_dtype(column.dtype):
        return exprs.parse_date_series(_text_series(column))
    values = [None if _missing(value) else value for value in column.tolist()]
    try:
        series = pl.Series(values, strict=True)
    except (TypeError, ValueError, pl.exceptions.PolarsError):
        series = None
    if series is not None and series.dtype in (pl.Date, pl.Null):
        return series.cast(pl.Date)
    if series is not None and isinstance(series.dtype, pl.Datetime):
        return series.dt.date()
    if series is not None and series.dtype == pl.String:
        return exprs.parse_date_series(series)
    return pl.Series(map_by_value(column, as_date).tolist(), dtype=pl.Date)


@lru_cache(maxsize=16)
def as_of_date(text: str) -> date:
    return date.fromisoformat(text)


@lru_cache(maxsize=8)
def county_profile(serialised: str) -> CountyProfile:
    return CountyProfile.model_validate(json.loads(serialised))


def _county(county: dict[str, Any]) -> CountyProfile:
    return county_profile(json.dumps(county, sort_keys=True))


def _missing(value: Any) -> bool:
    """None, NaN, NaT or pandas' NA (a scalar test that never raises on text)."""
    return value is None or value is pd.NA or value is pd.NaT or (isinstance(value, float) and value != value)


def as_date(value: Any) -> date | None:
    """A staged date (date, datetime, pandas Timestamp) or a delivered text as a date."""
    if _missing(value):
        return None
    if isinstance(value, pd.Timestamp | datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return standards.parse_date(value)


def gender_code(value: Any) -> str | None:
    """A staged gender (GB/T 2261.1 code `1`/`2`, or 男/女 if unstandardised) as its code."""
    if _missing(value):
        return None
    text = str(value).strip()
    return {"男": "1", "女": "2", "M": "1", "F": "2", "1": "1", "2": "2"}.get(text.upper(), text)


# --- GB 11643 citizen identity number ----------------------------------------------------------


class ColumnValuesValidIdNumber(ColumnMapMetricProvider):
    condition_metric_name = "column_values.valid_id_number"
    condition_value_keys = ("as_of",)

    @column_condition_partial(engine=PandasExecutionEngine)
    def _pandas(cls, column: pd.Series, as_of: str, **kwargs: Any) -> pd.Series:
        day = as_of_date(as_of)
        return apply_expr(column, lambda value: exprs.id_valid_expr(value, day))


class ExpectColumnValuesToBeValidIdNumber(ColumnMapExpectation):
    """Expect citizen identity numbers to be valid under GB 11643-1999 (公民身份号码): 18
    characters with the right ISO 7064 MOD 11-2 check character and a real birth date not after
    the as-of date; a legacy 15-digit number (GB 11643-1989) is accepted when its birth date is
    real. Computed by `pipelines.standards` (`id_valid_expr`, the vectorised `is_valid_id_number`).
    """

    as_of: str
    map_metric = "column_values.valid_id_number"
    success_keys: ClassVar[tuple[str, ...]] = ("mostly", "as_of")
    library_metadata: ClassVar[dict[str, Any]] = {**_LIBRARY_METADATA, "tags": ["GB 11643"]}


class ColumnValuesIdAgeAtMost(ColumnMapMetricProvider):
    condition_metric_name = "column_values.id_age_at_most"
    condition_value_keys = ("as_of", "max_age")

    @column_condition_partial(engine=PandasExecutionEngine)
    def _pandas(cls, column: pd.Series, as_of: str, max_age: int, **kwargs: Any) -> pd.Series:
        day = as_of_date(as_of)
        oldest = date(day.year - max_age, day.month, 28 if (day.month, day.day) == (2, 29) else day.day)

        born = exprs.id_birth_date_series(_text_series(column))
        # numbers without a readable birth date are the validity check's, not this one's
        return _bool_series(born.is_null() | (born >= oldest), column.index)


class ExpectColumnValuesToHavePlausibleAge(ColumnMapExpectation):
    """Expect the birth date an identity number carries to give an age of at most `max_age`
    years at the as-of date (GB 11643 birth-date plausibility; an older age is possible, as the
    standard's worked example 440524188001010014 shows, so this is a warning for review).
    """

    as_of: str
    max_age: int = 120
    map_metric = "column_values.id_age_at_most"
    success_keys: ClassVar[tuple[str, ...]] = ("mostly", "as_of", "max_age")
    library_metadata: ClassVar[dict[str, Any]] = {**_LIBRARY_METADATA, "tags": ["GB 11643"]}


# --- GB 32100 credit code, GB 11714 organisation code -------------------------------------------


class ColumnValuesValidCreditCode(ColumnMapMetricProvider):
    condition_metric_name = "column_values.valid_credit_code"

    @column_condition_partial(engine=PandasExecutionEngine)
    def _pandas(cls, column: pd.Series, **kwargs: Any) -> pd.Series:
        return apply_expr(column, exprs.credit_code_valid_expr)


class ExpectColumnValuesToBeValidCreditCode(ColumnMapExpectation):
    """Expect unified social credit codes (统一社会信用代码) to be valid under GB 32100-2015: 18
    characters of the 31-character set, a right check character and an embedded GB 11714
    organisation code with a right check digit. Computed by `pipelines.standards`.
    """

    map_metric = "column_values.valid_credit_code"
    library_metadata: ClassVar[dict[str, Any]] = {**_LIBRARY_METADATA, "tags": ["GB 32100"]}


class ColumnValuesValidOrgCode(ColumnMapMetricProvider):
    condition_metric_name = "column_values.valid_org_code"

    @column_condition_partial(engine=PandasExecutionEngine)
    def _pandas(cls, column: pd.Series, **kwargs: Any) -> pd.Series:
        return apply_expr(column, exprs.org_code_valid_expr)


class ExpectColumnValuesToBeValidOrgCode(ColumnMapExpectation):
    """Expect organisation codes (组织机构代码) to be valid under GB 11714-1997: 8 body characters
    and a right check character (`X` for 10, `0` for 11). Computed by `pipelines.standards`.
    """

    map_metric = "column_values.valid_org_code"
    library_metadata: ClassVar[dict[str, Any]] = {**_LIBRARY_METADATA, "tags": ["GB 11714"]}


# --- GB/T 2260 division codes of the county ------------------------------------------------------


class ColumnValuesValidDivisionCode(ColumnMapMetricProvider):
    condition_metric_name = "column_values.valid_division_code"
    condition_value_keys = ("county",)

    @column_condition_partial(engine=PandasExecutionEngine)
    def _pandas(cls, column: pd.Series, county: dict[str, Any], **kwargs: Any) -> pd.Series:
        profile = _county(county)
        return apply_expr(column, lambda value: exprs.division_valid_expr(value, profile))


class ExpectColumnValuesToBeValidDivisionCode(ColumnMapExpectation):
    """Expect administrative division codes (行政区划代码, GB/T 2260 and the statistics bureau's
    9/12-digit codes) to lie in the county under a code it has had at some time (its historic
    codes included) with a known township and a village number 001-399.
    """

    county: dict[str, Any]
    map_metric = "column_values.valid_division_code"
    success_keys: ClassVar[tuple[str, ...]] = ("mostly", "county")
    library_metadata: ClassVar[dict[str, Any]] = {**_LIBRARY_METADATA, "tags": ["GB/T 2260"]}


# --- GB/T 36901 e-licence identifier -------------------------------------------------------------


class ColumnValuesValidElicenseId(ColumnMapMetricProvider):
    condition_metric_name = "column_values.valid_elicense_id"

    @column_condition_partial(engine=PandasExecutionEngine)
    def _pandas(cls, column: pd.Series, **kwargs: Any) -> pd.Series:
        return apply_by_value(column, standards.is_valid_elicense_id)


class ExpectColumnValuesToBeValidElicenseId(ColumnMapExpectation):
    """Expect electronic licence identifiers (电子证照标识) to follow GB/T 36901:
    `1.2.156.3005.2.{type}.{issuer}.{serial}.{version}.{check}` with a right ISO 7064 MOD 37,36
    check character.
    """

    map_metric = "column_values.valid_elicense_id"
    library_metadata: ClassVar[dict[str, Any]] = {**_LIBRARY_METADATA, "tags": ["GB/T 36901"]}


# --- addresses -----------------------------------------------------------------------------------

# A house number (门牌号) as Chinese addresses write it: digits (half- or full-width) or Chinese
# numerals followed by 号/號, or a building/unit/room designation (栋, 幢, 座, 单元, 室, 弄), or a
# hyphenated door number (12-3).
HOUSE_NUMBER_PATTERN = (
    r"(?:[0-9０-９]+|[一二三四五六七八九十百千零〇两]+)\s*(?:号|號|弄|栋|幢|座|单元|室)"
    r"|[0-9０-９]+\s*[-－—]\s*[0-9０-９]+"
)


class ColumnValuesHaveHouseNumber(ColumnMapMetricProvider):
    condition_metric_name = "column_values.has_house_number"

    @column_condition_partial(engine=PandasExecutionEngine)
    def _pandas(cls, column: pd.Series, **kwargs: Any) -> pd.Series:
        numbered = _text_series(column).str.contains(HOUSE_NUMBER_PATTERN)
        return is_blank(column) | _bool_series(numbered, column.index)


class ExpectColumnValuesToHaveHouseNumber(ColumnMapExpectation):
    """Expect addresses to go down to the house number (门牌号: `23号`, `17号楼1单元803室`, `12-3`):
    an address ending at a village or street cannot locate a household (GB/T 23705 address
    elements). Missing addresses are the completeness check's, not this one's.
    """

    map_metric = "column_values.has_house_number"
    library_metadata: ClassVar[dict[str, Any]] = _LIBRARY_METADATA


# --- telephone numbers ---------------------------------------------------------------------------


class ColumnValuesValidPhone(ColumnMapMetricProvider):
    condition_metric_name = "column_values.valid_phone"

    @column_condition_partial(engine=PandasExecutionEngine)
    def _pandas(cls, column: pd.Series, **kwargs: Any) -> pd.Series:
        return apply_expr(column, exprs.phone_valid_expr)


class ExpectColumnValuesToBeValidPhone(ColumnMapExpectation):
    """Expect telephone numbers (联系电话) to be a mobile (11 digits, 1[3-9]...), a landline with
    its area code, or a 400/800 service number, after the standard cleaning.
    """

    map_metric = "column_values.valid_phone"
    library_metadata: ClassVar[dict[str, Any]] = _LIBRARY_METADATA


# --- dates ---------------------------------------------------------------------------------------


class ColumnValuesDateNotAfter(ColumnMapMetricProvider):
    condition_metric_name = "column_values.date_not_after"
    condition_value_keys = ("as_of",)

    @column_condition_partial(engine=PandasExecutionEngine)
    def _pandas(cls, column: pd.Series, as_of: str, **kwargs: Any) -> pd.Series:
        parsed = date_series(column)
        # an unreadable date is the format check's, not this one's
        return _bool_series(parsed.is_null() | (parsed <= as_of_date(as_of)), column.index)


class ExpectColumnValuesToBeDatesNotAfter(ColumnMapExpectation):
    """Expect dates of events that have happened (birth, registration, decision) not to lie after
    the as-of date of the run: a later date is a typing error or a wrong century.
    """

    as_of: str
    map_metric = "column_values.date_not_after"
    success_keys: ClassVar[tuple[str, ...]] = ("mostly", "as_of")
    library_metadata: ClassVar[dict[str, Any]] = _LIBRARY_METADATA


# --- delivered values that staging could not read ------------------------------------------------


class ColumnPairDeliveredValueRead(ColumnPairMapMetricProvider):
    condition_metric_name = "column_pair_values.delivered_value_read"
    condition_domain_keys = (
        "batch_id",
        "table",
        "column_A",
        "column_B",
        "row_condition",
        "condition_parser",
        "ignore_row_if",
    )

    @column_pair_condition_partial(engine=PandasExecutionEngine)
    def _pandas(cls, column_A: pd.Series, column_B: pd.Series, **kwargs: Any) -> pd.Series:
        return is_blank(column_A) | column_B.notna()


class ExpectColumnPairDeliveredValuesToBeRead(ColumnPairMapExpectation):
    """Expect every value a department delivered (`column_A`, the text as delivered) to be read by
    staging into its standard type (`column_B`): a filled cell that staging had to set to NULL is
    a format error (a date, number, gender or phone no reading rule accepts). Cells holding a
    "no value" spelling (空, 无, NULL, ...) are missing, not errors.
    """

    ignore_row_if: IgnoreRowIf = "both_values_are_missing"
    map_metric = "column_pair_values.delivered_value_read"
    success_keys: ClassVar[tuple[str, ...]] = ("mostly", "ignore_row_if")
    library_metadata: ClassVar[dict[str, Any]] = _LIBRARY_METADATA


# --- cross-column rules of GB 11643 --------------------------------------------------------------


class ColumnPairIdBirthDateAgrees(ColumnPairMapMetricProvider):
    condition_metric_name = "column_pair_values.id_birth_date_agrees"
    condition_domain_keys = ColumnPairDeliveredValueRead.condition_domain_keys

    @column_pair_condition_partial(engine=PandasExecutionEngine)
    def _pandas(cls, column_A: pd.Series, column_B: pd.Series, **kwargs: Any) -> pd.Series:
        carried = exprs.id_birth_date_series(_text_series(column_A))
        stated = date_series(column_B)
        return _bool_series(carried.is_null() | stated.is_null() | (carried == stated), column_A.index)


class ExpectColumnPairIdNumberToAgreeWithBirthDate(ColumnPairMapExpectation):
    """Expect the birth date column (`column_B`) to equal the birth date the identity number
    (`column_A`) carries in positions 7-14 (GB 11643). Numbers without a readable date are left
    to the validity check.
    """

    ignore_row_if: IgnoreRowIf = "either_value_is_missing"
    map_metric = "column_pair_values.id_birth_date_agrees"
    success_keys: ClassVar[tuple[str, ...]] = ("mostly", "ignore_row_if")
    library_metadata: ClassVar[dict[str, Any]] = {**_LIBRARY_METADATA, "tags": ["GB 11643"]}


class ColumnPairIdGenderAgrees(ColumnPairMapMetricProvider):
    condition_metric_name = "column_pair_values.id_gender_agrees"
    condition_domain_keys = ColumnPairDeliveredValueRead.condition_domain_keys

    @column_pair_condition_partial(engine=PandasExecutionEngine)
    def _pandas(cls, column_A: pd.Series, column_B: pd.Series, **kwargs: Any) -> pd.Series:
        carried = apply_expr(column_A, exprs.id_gender_expr)
        stated = map_by_value(column_B, gender_code)
        comparable = stated.isin(["1", "2"]) & ~_is_null(carried)
        return (~comparable | (carried == stated)).astype(bool)


class ExpectColumnPairIdNumberToAgreeWithGender(ColumnPairMapExpectation):
    """Expect the gender column (`column_B`, GB/T 2261.1 code) to match the sequence digit of the
    identity number (`column_A`, position 17: odd male, even female; GB 11643). Genders 0/9
    (unknown, unstated) are not compared.
    """

    ignore_row_if: IgnoreRowIf = "either_value_is_missing"
    map_metric = "column_pair_values.id_gender_agrees"
    success_keys: ClassVar[tuple[str, ...]] = ("mostly", "ignore_row_if")
    library_metadata: ClassVar[dict[str, Any]] = {**_LIBRARY_METADATA, "tags": ["GB 11643"]}


class ColumnPairDatesInOrder(ColumnPairMapMetricProvider):
    condition_metric_name = "column_pair_values.dates_in_order"
    condition_domain_keys = ColumnPairDeliveredValueRead.condition_domain_keys
    condition_value_keys = ("strict",)

    @column_pair_condition_partial(engine=PandasExecutionEngine)
    def _pandas(cls, column_A: pd.Series, column_B: pd.Series, strict: bool = False, **kwargs: Any) -> pd.Series:
        first, last = date_series(column_A), date_series(column_B)
        ordered = first < last if strict else first <= last
        return _bool_series(first.is_null() | last.is_null() | ordered, column_A.index)


class ExpectColumnPairDatesToBeInOrder(ColumnPairMapExpectation):
    """Expect a period's start (`column_A`, e.g. licence valid-from 有效期自) not to lie after its
    end (`column_B`, valid-to 有效期至; 2099-12-31 means no expiry); with `strict`, to lie
    before it (a record dated the day of a death already postdates it).
    """

    ignore_row_if: IgnoreRowIf = "either_value_is_missing"
    strict: bool = False
    map_metric = "column_pair_values.dates_in_order"
    success_keys: ClassVar[tuple[str, ...]] = ("mostly", "ignore_row_if", "strict")
    library_metadata: ClassVar[dict[str, Any]] = _LIBRARY_METADATA


# --- hygiene rules over many columns at once ------------------------------------------------------


_MULTICOLUMN_DOMAIN_KEYS = ("batch_id", "table", "column_list", "row_condition", "condition_parser", "ignore_row_if")


class MulticolumnValuesNotMatchRegex(MulticolumnMapMetricProvider):
    condition_metric_name = "multicolumn_values.not_match_regex"
    condition_domain_keys = _MULTICOLUMN_DOMAIN_KEYS
    condition_value_keys = ("regex",)

    @multicolumn_condition_partial(engine=PandasExecutionEngine)
    def _pandas(cls, column_list: pd.DataFrame, regex: str, **kwargs: Any) -> pd.Series:
        arguments = {"column_list": list(column_list.columns), "regex": regex}
        return conditions.row_ok(column_list, "expect_multicolumn_values_to_not_match_regex", arguments)


class ExpectMulticolumnValuesToNotMatchRegex(MulticolumnMapExpectation):
    """Expect no value of any listed column to match `regex` (one check over a table's text
    columns, e.g. spreadsheet damage or garbled characters); `dq.failures` names the column."""

    regex: str
    ignore_row_if: Literal["all_values_are_missing", "any_value_is_missing", "never"] = "all_values_are_missing"
    map_metric = "multicolumn_values.not_match_regex"
    success_keys: ClassVar[tuple[str, ...]] = ("mostly", "regex", "ignore_row_if")
    library_metadata: ClassVar[dict[str, Any]] = _LIBRARY_METADATA


class MulticolumnValueLengthsAtMost(MulticolumnMapMetricProvider):
    condition_metric_name = "multicolumn_values.lengths_at_most"
    condition_domain_keys = _MULTICOLUMN_DOMAIN_KEYS
    condition_value_keys = ("max_lengths",)

    @multicolumn_condition_partial(engine=PandasExecutionEngine)
    def _pandas(cls, column_list: pd.DataFrame, max_lengths: dict[str, int], **kwargs: Any) -> pd.Series:
        arguments = {"column_list": list(column_list.columns), "max_lengths": max_lengths}
        return conditions.row_ok(column_list, "expect_multicolumn_value_lengths_to_be_at_most", arguments)


class ExpectMulticolumnValueLengthsToBeAtMost(MulticolumnMapExpectation):
    """Expect every listed column's value to be at most its contract's maximum length
    (`max_lengths`: column -> characters); `dq.failures` names the column too long."""

    max_lengths: dict[str, int]
    ignore_row_if: Literal["all_values_are_missing", "any_value_is_missing", "never"] = "all_values_are_missing"
    map_metric = "multicolumn_values.lengths_at_most"
    success_keys: ClassVar[tuple[str, ...]] = ("mostly", "max_lengths", "ignore_row_if")
    library_metadata: ClassVar[dict[str, Any]] = _LIBRARY_METADATA


CUSTOM_EXPECTATIONS = (
    ExpectColumnValuesToBeValidIdNumber,
    ExpectColumnValuesToHavePlausibleAge,
    ExpectColumnValuesToBeValidCreditCode,
    ExpectColumnValuesToBeValidOrgCode,
    ExpectColumnValuesToBeValidDivisionCode,
    ExpectColumnValuesToBeValidElicenseId,
    ExpectColumnValuesToBeValidPhone,
    ExpectColumnValuesToHaveHouseNumber,
    ExpectColumnValuesToBeDatesNotAfter,
    ExpectColumnPairDeliveredValuesToBeRead,
    ExpectColumnPairIdNumberToAgreeWithBirthDate,
    ExpectColumnPairIdNumberToAgreeWithGender,
    ExpectColumnPairDatesToBeInOrder,
    ExpectMulticolumnValuesToNotMatchRegex,
    ExpectMulticolumnValueLengthsToBeAtMost,
)
