"""DuckDB functions the models call that Spark lacks or computes differently, as Arrow UDFs on
the Spark session, evaluated by DuckDB itself on each batch.

The spatial marts use the DuckDB spatial extension (GeoJSON parsing, point-in-polygon, the area
on the WGS 84 spheroid, centroids, validity) and the address matcher uses DuckDB's
`jaro_winkler_similarity`, which compares UTF-8 bytes (Spark's built-in of that name compares
characters, and scores Chinese addresses differently). A re-implementation would have to agree
with DuckDB's to the last bit for the two builds to be the same tables (a spheroidal area
especially); instead each UDF hands its Arrow batch to an in-process DuckDB connection in the
Python worker and runs the very function the DuckDB build runs. The extension is loaded from
its wheel (`duckdb-extension-spatial`), as on dbt's DuckDB connections, never downloaded.

Spark has a GEOMETRY type but passes no geometry to Python UDFs, so these take the boundary as
its GeoJSON text (the mart keeps it next to the geometry) and `geo_wkb` gives the WKB that
Spark's `st_geomfromwkb` turns into the geometry column.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pyarrow as pa

if TYPE_CHECKING:
    import duckdb
    from pyspark.sql import SparkSession

# name -> (DuckDB expression over the arguments a0, a1, ..., number of arguments, Spark type)
FUNCTIONS: dict[str, tuple[str, int, str]] = {
    "geo_wkb": ("ST_AsWKB(ST_GeomFromGeoJSON(a0))", 1, "binary"),
    # ST_Area_Spheroid reads [latitude, longitude]; GeoJSON is [longitude, latitude]
    "geo_area_spheroid": ("ST_Area_Spheroid(ST_FlipCoordinates(ST_GeomFromGeoJSON(a0)))", 1, "double"),
    "geo_centroid_x": ("ST_X(ST_Centroid(ST_GeomFromGeoJSON(a0)))", 1, "double"),
    "geo_centroid_y": ("ST_Y(ST_Centroid(ST_GeomFromGeoJSON(a0)))", 1, "double"),
    "geo_is_valid": ("ST_IsValid(ST_GeomFromGeoJSON(a0))", 1, "boolean"),
    "geo_contains_point": ("ST_Contains(ST_GeomFromGeoJSON(a0), ST_Point(a1, a2))", 3, "boolean"),
    "duckdb_jaro_winkler_similarity": ("jaro_winkler_similarity(a0, a1)", 2, "double"),
}

_connection: duckdb.DuckDBPyConnection | None = None


def _duckdb() -> duckdb.DuckDBPyConnection:
    """The worker's DuckDB connection (one per Python worker process, opened on first use): one
    thread, so a projection returns its rows in the batch's order."""
    global _connection
    if _connection is None:
        import duckdb

        from pipelines.standards.dbt_plugin import install_extensions

        con = duckdb.connect(config={"threads": 1})
        install_extensions(con, ("spatial",))
        _connection = con
    return _connection


def evaluate(expression: str, *arrays: pa.Array) -> pa.Array:
    """`expression` (over columns a0, a1, ...) computed by DuckDB for each row of the arrays."""
    con = _duckdb()
    batch = pa.table({f"a{i}": array for i, array in enumerate(arrays)})
    con.register("_batch", batch)
    try:
        result = con.execute(f"select {expression} as v from _batch").fetch_arrow_table()
    finally:
        con.unregister("_batch")
    return result.column("v").combine_chunks()


def _udf(expression: str, arity: int, arrow_type: pa.DataType) -> Any:
    """A UDF of `arity` arguments (Spark reads a UDF's arity from its signature, so no *args)."""

    def run(*arrays: pa.Array) -> pa.Array:
        return evaluate(expression, *arrays).cast(arrow_type)

    def one(a0: pa.Array) -> pa.Array:
        return run(a0)

    def two(a0: pa.Array, a1: pa.Array) -> pa.Array:
        return run(a0, a1)

    def three(a0: pa.Array, a1: pa.Array, a2: pa.Array) -> pa.Array:
        return run(a0, a1, a2)

    return {1: one, 2: two, 3: three}[arity]


def register_duckdb_functions(spark: SparkSession) -> list[str]:
    """Register every function of FUNCTIONS on `spark` (session-scoped); returns the names."""
    from pyspark.sql import types as T
    from pyspark.sql.functions import arrow_udf

    spark_types = {"binary": T.BinaryType(), "double": T.DoubleType(), "boolean": T.BooleanType()}
    arrow_types = {"binary": pa.binary(), "double": pa.float64(), "boolean": pa.bool_()}
    for name, (expression, arity, type_name) in FUNCTIONS.items():
        spark.udf.register(name, arrow_udf(_udf(expression, arity, arrow_types[type_name]), spark_types[type_name]))
    return list(FUNCTIONS)
