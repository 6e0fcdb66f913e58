"""Custom Great Expectations for the national standards, each built on the project's one
implementation of the standard (`pipelines.standards`), never on a re-implementation.

Importing this module registers the expectations with GX (its metaclass registry), so that a
suite can name them by their snake_case type (`expect_column_values_to_be_valid_id_number`).
Only the pandas engine is implemented: the checks validate dataframes read from DuckDB (GX's SQL
datasource over duckdb-engine returns empty results, GX issues #10738 and #11579).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from functools import lru_cache
from typing import Any, ClassVar

import pandas as pd
from great_expectations.execution_engine import PandasExecutionEngine
from great_expectations.expectations.expectation import ColumnMapExpectation
from great_expectations.expectations.metrics.map_metric_provider import (
    ColumnMapMetricProvider,
    column_condition_partial,
)


def apply_by_value(column: pd.Series, predicate: Callable[[Any], bool]) -> pd.Series:
    """`predicate` over a column, evaluated once per distinct value (codes repeat a lot)."""
    values = column.unique()
    verdict = {value: bool(predicate(value)) for value in values}
    return column.map(verdict).astype(bool)


@lru_cache(maxsize=16)
def _as_of(text: str) -> date:
    return date.fromisoformat(text)


# --- GB 11643 citizen identity number ------------------------------------------------------


class ColumnValuesValidIdNumber(ColumnMapMetricProvider):
    """Row condition: the value is a valid GB 11643 identity number as of the run's date."""

    condition_metric_name = "column_values.valid_id_number"
    condition_value_keys = ("as_of",)

    @column_condition_partial(engine=PandasExecutionEngine)
    def _pandas(cls, column: pd.Series, as_of: str, **kwargs: Any) -> pd.Series:
        from pipelines import standards

        day = _as_of(as_of)
        return apply_by_value(column, lambda value: standards.is_valid_id_number(value, day))


class ExpectColumnValuesToBeValidIdNumber(ColumnMapExpectation):
    """Expect citizen identity numbers to pass GB 11643-1999: 18 characters with a correct
    ISO 7064 MOD 11-2 check character and a real birth date not after the as-of date (a legacy
    15-digit number is accepted when its birth date is real). Validity is computed by
    `pipelines.standards.is_valid_id_number`, the project's one implementation.
    """

    as_of: str
    map_metric = "column_values.valid_id_number"
    success_keys: ClassVar[tuple[str, ...]] = ("mostly", "as_of")
    library_metadata: ClassVar[dict[str, Any]] = {
        "maturity": "production",
        "tags": ["GB 11643", "公民身份号码"],
        "contributors": ["govdata"],
    }
