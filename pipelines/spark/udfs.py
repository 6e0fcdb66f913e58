"""The standards' `std_*` functions on a Spark session, so dbt's SQL models call them on Spark.

They are the same Polars series functions the DuckDB UDFs run (`pipelines.standards.duckdb_udfs`:
`unary_functions` and the lookups), wrapped as vectorised Arrow UDFs: Spark hands each Python
worker a batch of values as an Arrow array, the Polars code standardises the whole batch, and the
result goes back as Arrow. Nothing here restates a standard.

Differences from the DuckDB registration, both forced by the engines:
- `std_lookup_<kind>(raw)` takes one value and returns the struct `{raw, value[, valid]}` of its
  outputs (DuckDB's takes a list of a column's distinct values, to run the series functions once
  per column; Spark already batches rows per Arrow batch). The staging macro calls each engine's
  form (`stage_lookup_rows`).
- DuckDB gives a UDF every row including NULLs and so does this wrapper: `std_is_missing(NULL)`
  is true on both engines.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING, Any

import polars as pl
import pyarrow as pa

from pipelines.settings import CountyProfile
from pipelines.standards import duckdb_udfs as D
from pipelines.standards import exprs as X

if TYPE_CHECKING:
    from pyspark.sql import SparkSession


def _spark_type(name: str) -> Any:
    from pyspark.sql import types as T

    return {
        "VARCHAR": T.StringType(),
        "BOOLEAN": T.BooleanType(),
        "DATE": T.DateType(),
        "DECIMAL": T.DecimalType(38, X.AMOUNT_SCALE),
    }[name]


def _arrow_of(series: pl.Series, spark_type: Any) -> pa.Array:
    """A Polars result as the Arrow array Spark expects (plain, not large, strings; one chunk)."""
    from pyspark.sql import types as T

    array = series.to_arrow()
    if isinstance(spark_type, T.StringType):
        array = array.cast(pa.string())
    elif isinstance(spark_type, T.DecimalType):
        array = array.cast(pa.decimal128(38, X.AMOUNT_SCALE))
    return array


def _unary(fn: Callable[[pl.Series], pl.Series], type_name: str) -> Callable[[pa.Array], pa.Array]:
    spark_type = _spark_type(type_name)

    def udf(values: pa.Array) -> pa.Array:
        return _arrow_of(fn(D._series(values)), spark_type)

    return udf


def _struct_type(fields: dict[str, Any]) -> Any:
    from pyspark.sql import types as T

    return T.StructType(
        [T.StructField("raw", T.StringType())]
        + [T.StructField(name, _spark_type(str(duck_type).split("(")[0])) for name, duck_type in fields.items()]
    )


def _lookup(lookup: D.Lookup, struct: Any) -> Callable[[pa.Array], pa.Array]:
    def udf(values: pa.Array) -> pa.Array:
        raw = D._series(values)
        outputs = lookup(raw)
        arrays = [raw.to_arrow().cast(pa.string())] + [
            _arrow_of(outputs[field.name], field.dataType) for field in struct.fields[1:]
        ]
        return pa.StructArray.from_arrays(arrays, names=[field.name for field in struct.fields])

    return udf


def register_spark_udfs(spark: SparkSession, *, county: CountyProfile, as_of: date) -> list[str]:
    """Register every `std_*` function the models call on `spark` (session-scoped temporary
    functions, visible to dbt-spark's `session` connection in this process), and the DuckDB
    functions Spark lacks (`pipelines.spark.duckdb_functions`); returns the names."""
    from pyspark.sql import types as T
    from pyspark.sql.functions import arrow_udf

    names = []
    for name, (fn, type_name) in D.unary_functions(county, as_of).items():
        spark.udf.register(name, arrow_udf(_unary(fn, type_name), _spark_type(type_name)))
        names.append(name)

    def amount_from(values: pa.Array, assumed_unit: pa.Array) -> pa.Array:
        return D._grouped(D._amount_group, values, assumed_unit, None).cast(pa.decimal128(38, X.AMOUNT_SCALE))

    def mask(values: pa.Array, sensitivity: pa.Array, kind: pa.Array) -> pa.Array:
        return D._grouped(D._mask_group, values, sensitivity, kind).cast(pa.string())

    spark.udf.register("std_amount_from", arrow_udf(amount_from, T.DecimalType(38, X.AMOUNT_SCALE)))
    spark.udf.register("std_mask", arrow_udf(mask, T.StringType()))
    names += ["std_amount_from", "std_mask"]
    for kind, (lookup, fields) in D._lookups(county, as_of).items():
        struct = _struct_type(fields)
        spark.udf.register(f"std_lookup_{kind}", arrow_udf(_lookup(lookup, struct), struct))
        names.append(f"std_lookup_{kind}")
    # the DuckDB functions the library models call (spatial, string similarity)
    from pipelines.spark.duckdb_functions import register_duckdb_functions

    names += register_duckdb_functions(spark)
    return names
