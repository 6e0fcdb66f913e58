"""The project's one implementation of each national standard (see `../shared/standards.md`).

Scalar reference functions (pure Python) live in one module per standard; `exprs` holds the
Polars versions for millions of rows (same answers, tested on the same fixture), `duckdb_udfs`
registers them in DuckDB as `std_*` functions and `dbt_plugin` does so for dbt's connections.
Everything that applies a standard (dbt staging, Great Expectations, the resolver, the
generator's tests) calls these, never its own copy.
"""

from pipelines.standards.boolean import normalise_boolean
from pipelines.standards.credit_code import (
    CREDIT_CODE_CATEGORIES,
    credit_code_category,
    credit_code_check_char,
    credit_code_division,
    credit_code_issue,
    credit_code_org_code,
    is_valid_credit_code,
    is_valid_org_code,
    normalise_credit_code,
    normalise_org_code,
    org_code_check_char,
)
from pipelines.standards.dates import parse_date
from pipelines.standards.duckdb_udfs import UDF_NAMES, register_udfs
from pipelines.standards.division import (
    county_division_valid_in_year,
    is_valid_county_division_code,
    normalise_county_division_code,
    township_of,
)
from pipelines.standards.elicense import elicense_check_char, is_valid_elicense_id
from pipelines.standards.gender import gender_issue, normalise_gender
from pipelines.standards.id_number import (
    id_address_code,
    id_birth_date,
    id_check_char,
    id_gender,
    id_number_issue,
    is_valid_id_number,
    normalise_id_number,
)
from pipelines.standards.masking import MaskingError, MaskKind, mask, mask_column, mask_expr, mask_frame
from pipelines.standards.phone import is_valid_phone, normalise_phone, phone_issue
from pipelines.standards.text import (
    is_missing,
    name_pinyin_keys,
    normalise_name,
    normalise_text,
    parse_amount,
    to_halfwidth,
    to_simplified,
)

__all__ = [
    "CREDIT_CODE_CATEGORIES",
    "MaskKind",
    "UDF_NAMES",
    "MaskingError",
    "county_division_valid_in_year",
    "credit_code_category",
    "credit_code_check_char",
    "credit_code_division",
    "credit_code_issue",
    "credit_code_org_code",
    "elicense_check_char",
    "gender_issue",
    "id_address_code",
    "id_birth_date",
    "id_check_char",
    "id_gender",
    "id_number_issue",
    "is_missing",
    "is_valid_county_division_code",
    "is_valid_credit_code",
    "is_valid_elicense_id",
    "is_valid_id_number",
    "is_valid_org_code",
    "is_valid_phone",
    "mask",
    "mask_column",
    "mask_expr",
    "mask_frame",
    "name_pinyin_keys",
    "normalise_county_division_code",
    "normalise_boolean",
    "normalise_credit_code",
    "normalise_gender",
    "normalise_id_number",
    "normalise_name",
    "normalise_org_code",
    "normalise_phone",
    "normalise_text",
    "org_code_check_char",
    "parse_amount",
    "parse_date",
    "phone_issue",
    "register_udfs",
    "to_halfwidth",
    "to_simplified",
    "township_of",
]
