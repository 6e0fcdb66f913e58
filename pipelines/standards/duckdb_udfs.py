"""The standards as DuckDB functions (`std_*`), so dbt staging SQL applies the same code.

Every function is a vectorised Arrow UDF built on the Polars series functions in `exprs.py`
(the same answers as the scalar reference functions, tested on the fixture). They take text
(cast other columns with `::VARCHAR`) and see NULLs themselves (`std_id_issue(NULL)` is
`'empty'`, `std_is_missing(NULL)` is true).

The county profile (division codes) and the as-of date (birth dates after it are invalid) are
fixed when the functions are registered: by default from `get_settings()`, never the clock.

| function | returns | standard / scalar reference |
| --- | --- | --- |
| `std_id_number(raw)` | VARCHAR | GB 11643 `normalise_id_number` |
| `std_id_valid(raw)` | BOOLEAN | `is_valid_id_number` (as of registration) |
| `std_id_issue(raw)` | VARCHAR | `id_number_issue`, NULL when valid |
| `std_id_birth_date(raw)` | DATE | `id_birth_date` |
| `std_id_gender(raw)` | VARCHAR | `id_gender` (GB/T 2261.1: 1 male, 2 female) |
| `std_credit_code(raw)` | VARCHAR | GB 32100 `normalise_credit_code` |
| `std_credit_code_valid(raw)` | BOOLEAN | `is_valid_credit_code` (both check levels) |
| `std_credit_code_issue(raw)` | VARCHAR | `credit_code_issue` |
| `std_org_code(raw)` | VARCHAR | GB 11714 `normalise_org_code` (9 characters, no hyphen) |
| `std_org_code_valid(raw)` | BOOLEAN | GB 11714 `is_valid_org_code` |
| `std_division_valid(raw)` | BOOLEAN | `is_valid_county_division_code` (the county) |
| `std_division_current(raw)` | VARCHAR | `normalise_county_division_code` |
| `std_township(raw)` | VARCHAR | `township_of` |
| `std_date(raw)` | DATE | `parse_date` |
| `std_gender(raw)` | VARCHAR | GB/T 2261.1 `normalise_gender` (男/女/M/F/1/2 -> 1/2) |
| `std_boolean(raw)` | BOOLEAN | `normalise_boolean` (是/否, 有/无, Y/N, 1/0, ...) |
| `std_phone(raw)` | VARCHAR | `normalise_phone` |
| `std_phone_valid(raw)` / `std_phone_issue(raw)` | BOOLEAN / VARCHAR | `is_valid_phone` / `phone_issue` |
| `std_simplified(raw)`, `std_halfwidth(raw)` | VARCHAR | `to_simplified`, `to_halfwidth` |
| `std_name(raw)`, `std_text(raw)` | VARCHAR | `normalise_name`, `normalise_text` |
| `std_amount(raw)` | DECIMAL(38,6) | `parse_amount` in yuan (bare numbers are yuan) |
| `std_amount_from(raw, assumed_unit)` | DECIMAL(38,6) | `parse_amount(raw, "元", assumed_unit)`, e.g. `'万元'` |
| `std_is_missing(raw)` | BOOLEAN | `is_missing` |
| `std_mask(value, sensitivity, kind)` | VARCHAR | `mask` (kind: a ColumnType/MaskKind value or NULL) |

For staging a whole column, the lookup functions take a LIST of raw values (a column's distinct
values, `list(raw)`) and return the LIST of `{raw, ...}` structs, one per element in order, so
the series functions run once per column instead of once per 2048-row vector:
`unnest(std_lookup_id_number(list(raw)))`.

| function | struct fields (besides `raw`) | the same as |
| --- | --- | --- |
| `std_lookup_id_number` | `value`, `valid` | `std_id_number`, `std_id_valid` |
| `std_lookup_credit_code` | `value`, `valid` | `std_credit_code`, `std_credit_code_valid` |
| `std_lookup_org_code` | `value`, `valid` | `std_org_code`, `std_org_code_valid` |
| `std_lookup_division_code` | `value`, `valid` | `std_division_current`, `std_division_valid` |
| `std_lookup_timestamp` | `halfwidth`, `date` | `std_halfwidth`, `std_date` |
| `std_lookup_<kind>` | `value` | `std_<kind>`: date, halfwidth, phone, amount, gender, boolean, name, text |
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import duckdb
import numpy as np
import polars as pl
import pyarrow as pa
import pyarrow.compute as pc
from duckdb import sqltypes as T

from pipelines.errors import GovdataError
from pipelines.settings import CountyProfile
from pipelines.standards import exprs as X
from pipelines.standards.masking import mask_expr

DECIMAL_AMOUNT = duckdb.decimal_type(38, X.AMOUNT_SCALE)


Lookup = Callable[[pl.Series], dict[str, pl.Series]]
LOOKUP_KINDS = (
    "id_number",
    "credit_code",
    "org_code",
    "division_code",
    "date",
    "timestamp",
    "halfwidth",
    "phone",
    "amount",
    "gender",
    "boolean",
    "name",
    "text",
)


class UdfRegistrationError(GovdataError):
    """The std_* functions cannot be (re)registered on this connection."""


def _series(array: pa.Array | pa.ChunkedArray) -> pl.Series:
    series = pl.from_arrow(array)
    assert isinstance(series, pl.Series)
    return series if series.dtype == pl.String else series.cast(pl.String)


def _unary(fn: Callable[[pl.Series], pl.Series]) -> Callable[[Any], pa.Array]:
    def udf(array: pa.Array | pa.ChunkedArray) -> pa.Array:
        return fn(_series(array)).to_arrow()

    return udf


def _grouped(
    fn: Callable[[pl.Series, str | None, str | None], pl.Series], values: Any, first: Any, second: Any
) -> pa.Array:
    """`fn` over `values`, called once per distinct (first, second) pair; rows keep their order."""
    frame = pl.DataFrame(
        {
            "v": _series(values),
            "a": _series(first),
            "b": _series(second) if second is not None else pl.repeat(None, len(values), dtype=pl.String, eager=True),
        }
    ).with_row_index("i")
    parts = [
        pl.DataFrame({"i": group["i"], "out": fn(group["v"], keys[0], keys[1])})
        for keys, group in frame.group_by(["a", "b"], maintain_order=True)
    ]
    if not parts:
        return fn(pl.Series([], dtype=pl.String), None, None).to_arrow()
    return pl.concat(parts).sort("i")["out"].to_arrow()


def _mask_group(values: pl.Series, sensitivity: str | None, kind: str | None) -> pl.Series:
    if sensitivity is None and len(values) == 0:
        return pl.Series([], dtype=pl.String)
    if sensitivity is None:
        raise ValueError("std_mask: sensitivity is NULL; every column leaving the warehouse needs one")
    return values.to_frame("v").select(mask_expr(pl.col("v"), sensitivity, kind).cast(pl.String)).to_series()


def _amount_group(values: pl.Series, assumed_unit: str | None, _: str | None) -> pl.Series:
    if assumed_unit is None:  # no unit given for these rows: nothing can be said about them
        return pl.repeat(None, len(values), dtype=pl.Decimal(38, X.AMOUNT_SCALE), eager=True)
    return X.parse_amount_series(values, "元", assumed_unit)


def register_udfs(
    con: duckdb.DuckDBPyConnection, *, county: CountyProfile | None = None, as_of: date | None = None
) -> None:
    """Register every `std_*` function on `con` (replacing earlier registrations).

    Args:
        con: the connection (dbt-duckdb's, the warehouse's, or a test's in-memory one).
        county: the county whose division codes are valid; default `get_settings().county`.
        as_of: the as-of date for birth-date plausibility; default `get_settings().as_of`.
    """
    if county is None or as_of is None:
        from pipelines.settings import get_settings

        settings = get_settings()
        county = county or settings.county
        as_of = as_of or settings.as_of
    the_county: CountyProfile = county
    the_date: date = as_of

    unary = unary_functions(the_county, the_date)
    for name, (fn, return_type) in unary.items():
        _create(con, name, _unary(fn), [T.VARCHAR], _DUCKDB_TYPES[return_type])

    def amount_from(values: Any, assumed_unit: Any) -> pa.Array:
        return _grouped(_amount_group, values, assumed_unit, None)

    def mask_udf(values: Any, sensitivity: Any, kind: Any) -> pa.Array:
        return _grouped(_mask_group, values, sensitivity, kind)

    _create(con, "std_amount_from", amount_from, [T.VARCHAR, T.VARCHAR], DECIMAL_AMOUNT)
    _create(con, "std_mask", mask_udf, [T.VARCHAR, T.VARCHAR, T.VARCHAR], T.VARCHAR)

    for kind, (lookup, fields) in _lookups(the_county, the_date).items():
        struct = duckdb.struct_type({"raw": T.VARCHAR, **fields})
        _create(con, f"std_lookup_{kind}", _lookup_udf(lookup), [duckdb.list_type(T.VARCHAR)], duckdb.list_type(struct))


# The result types of the unary functions, by name (`unary_functions`), as DuckDB types.
_DUCKDB_TYPES: dict[str, Any] = {"VARCHAR": T.VARCHAR, "BOOLEAN": T.BOOLEAN, "DATE": T.DATE, "DECIMAL": DECIMAL_AMOUNT}


def unary_functions(county: CountyProfile, as_of: date) -> dict[str, tuple[Callable[[pl.Series], pl.Series], str]]:
    """The one-argument `std_*` functions: name -> (Polars series function, result type name).

    The type names are `VARCHAR`, `BOOLEAN`, `DATE` and `DECIMAL` (DECIMAL(38, AMOUNT_SCALE));
    each engine maps them to its own types, so DuckDB and Spark (`pipelines.spark.udfs`) register
    the same series functions under the same names.
    """
    return {
        "std_id_number": (X.normalise_id_number_series, "VARCHAR"),
        "std_id_valid": (lambda s: X.id_issue_series(s, as_of).is_null(), "BOOLEAN"),
        "std_id_issue": (lambda s: X.id_issue_series(s, as_of), "VARCHAR"),
        "std_id_birth_date": (X.id_birth_date_series, "DATE"),
        "std_id_gender": (X.id_gender_series, "VARCHAR"),
        "std_credit_code": (X.normalise_credit_code_series, "VARCHAR"),
        "std_credit_code_valid": (lambda s: X.credit_code_issue_series(s).is_null(), "BOOLEAN"),
        "std_credit_code_issue": (X.credit_code_issue_series, "VARCHAR"),
        "std_org_code": (X.normalise_org_code_series, "VARCHAR"),
        "std_org_code_valid": (X.org_code_valid_series, "BOOLEAN"),
        "std_division_valid": (lambda s: X.division_valid_series(s, county), "BOOLEAN"),
        "std_division_current": (lambda s: X.division_current_series(s, county), "VARCHAR"),
        "std_township": (lambda s: X.township_of_series(s, county), "VARCHAR"),
        "std_date": (X.parse_date_series, "DATE"),
        "std_gender": (X.normalise_gender_series, "VARCHAR"),
        "std_boolean": (X.normalise_boolean_series, "BOOLEAN"),
        "std_phone": (X.normalise_phone_series, "VARCHAR"),
        "std_phone_valid": (lambda s: X.phone_issue_series(s).is_null(), "BOOLEAN"),
        "std_phone_issue": (X.phone_issue_series, "VARCHAR"),
        "std_simplified": (X.simplified_series, "VARCHAR"),
        "std_halfwidth": (X.halfwidth_series, "VARCHAR"),
        "std_name": (X.normalise_name_series, "VARCHAR"),
        "std_text": (lambda s: s.to_frame("v").select(X.normalise_text_expr("v")).to_series(), "VARCHAR"),
        "std_amount": (X.parse_amount_series, "DECIMAL"),
        "std_is_missing": (X.is_missing_series, "BOOLEAN"),
    }


def _value(fn: Callable[[pl.Series], pl.Series]) -> Lookup:
    return lambda s: {"value": fn(s)}


def _id_lookup(s: pl.Series, as_of: date) -> dict[str, pl.Series]:
    number = X.normalise_id_number_series(s)
    return {"value": number, "valid": X.id_issue_of_normalised_series(number, as_of).is_null()}


def _credit_lookup(s: pl.Series) -> dict[str, pl.Series]:
    code = X.normalise_credit_code_series(s)
    return {"value": code, "valid": X.credit_code_issue_of_normalised_series(code).is_null()}


def _org_lookup(s: pl.Series) -> dict[str, pl.Series]:
    code = X.normalise_org_code_series(s)
    return {"value": code, "valid": X.org_code_valid_of_normalised_series(code)}


def _division_lookup(s: pl.Series, county: CountyProfile) -> dict[str, pl.Series]:
    current, valid = X.division_current_and_valid_series(s, county)
    return {"value": current, "valid": valid}


def _text_series(s: pl.Series) -> pl.Series:
    return s.to_frame("v").select(X.normalise_text_expr("v")).to_series()


def _lookups(county: CountyProfile, as_of: date) -> dict[str, tuple[Lookup, dict[str, Any]]]:
    """The `std_lookup_<kind>` functions: kind -> (raw values -> output fields, field types).

    Each gives what the std_* functions of the same standard give (`value`/`valid` of
    `std_id_number`/`std_id_valid`, ...), computed by the same series functions.
    """
    coded = {"value": T.VARCHAR, "valid": T.BOOLEAN}
    return {
        "id_number": (lambda s: _id_lookup(s, as_of), coded),
        "credit_code": (_credit_lookup, coded),
        "org_code": (_org_lookup, coded),
        "division_code": (lambda s: _division_lookup(s, county), coded),
        "date": (_value(X.parse_date_series), {"value": T.DATE}),
        "timestamp": (
            lambda s: {"halfwidth": X.halfwidth_series(s), "date": X.parse_date_series(s)},
            {"halfwidth": T.VARCHAR, "date": T.DATE},
        ),
        "halfwidth": (_value(X.halfwidth_series), {"value": T.VARCHAR}),
        "phone": (_value(X.normalise_phone_series), {"value": T.VARCHAR}),
        "amount": (_value(X.parse_amount_series), {"value": DECIMAL_AMOUNT}),
        "gender": (_value(X.normalise_gender_series), {"value": T.VARCHAR}),
        "boolean": (_value(X.normalise_boolean_series), {"value": T.BOOLEAN}),
        "name": (_value(X.normalise_name_series), {"value": T.VARCHAR}),
        "text": (_value(_text_series), {"value": T.VARCHAR}),
    }


def _lookup_udf(lookup: Lookup) -> Callable[[Any], pa.Array]:
    """A list function: each list of raw values -> the list of {raw, *outputs} for its elements.

    A scalar Arrow UDF is called once per 2048-row DuckDB vector, and every call pays the
    Polars set-up of each step again: over a million values that overhead costs several times
    the work. Given one list of a column's distinct values (`list(raw)`), the series functions
    run once over all of them.
    """

    def udf(lists: pa.Array | pa.ChunkedArray) -> pa.Array:
        if isinstance(lists, pa.ChunkedArray):
            lists = lists.combine_chunks()
        lengths = pc.fill_null(pc.list_value_length(lists), 0).cast(pa.int64()).to_numpy(zero_copy_only=False)
        offsets = np.concatenate([[0], np.cumsum(lengths)])
        raw = _series(lists.flatten())
        outputs = lookup(raw)
        structs = pl.DataFrame({"raw": raw, **outputs}).to_struct().to_arrow()
        if isinstance(structs, pa.ChunkedArray):
            structs = structs.combine_chunks()
        if offsets[-1] > np.iinfo(np.int32).max:
            return pa.LargeListArray.from_arrays(pa.array(offsets, pa.int64()), structs, mask=lists.is_null())
        return pa.ListArray.from_arrays(pa.array(offsets, pa.int32()), structs, mask=lists.is_null())

    return udf


UDF_NAMES = (
    "std_id_number",
    "std_id_valid",
    "std_id_issue",
    "std_id_birth_date",
    "std_id_gender",
    "std_credit_code",
    "std_credit_code_valid",
    "std_credit_code_issue",
    "std_org_code",
    "std_org_code_valid",
    "std_division_valid",
    "std_division_current",
    "std_township",
    "std_date",
    "std_gender",
    "std_boolean",
    "std_phone",
    "std_phone_valid",
    "std_phone_issue",
    "std_simplified",
    "std_halfwidth",
    "std_name",
    "std_text",
    "std_amount",
    "std_amount_from",
    "std_is_missing",
    "std_mask",
    *(f"std_lookup_{kind}" for kind in LOOKUP_KINDS),
)


def _create(con: duckdb.DuckDBPyConnection, name: str, fn: Callable[..., pa.Array], params: list[Any], ret: Any) -> None:
    try:
        con.remove_function(name)
    except (duckdb.InvalidInputException, duckdb.CatalogException):
        pass
    try:
        con.create_function(name, fn, params, ret, type="arrow", null_handling="special", side_effects=False)
    except duckdb.CatalogException:
        # DuckDB keeps a function in the catalog once a query has used it: it cannot be replaced.
        raise UdfRegistrationError(
            f"{name} is already registered on this connection and has been used; "
            "register the std_* functions once per connection (open a new one to change county or as-of date)"
        ) from None
