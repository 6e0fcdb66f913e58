"""The Spark session's forms of DuckDB's spatial and string-similarity functions give DuckDB's
results on the county's own values: the township boundaries (GeoJSON) and the standard
addresses' points of the tiny county staged by the fixture.

Point-in-polygon, the spheroidal area, centroids, validity and the WKB of each boundary are
computed on Spark (`geo_*` session functions) and by DuckDB spatial directly, and compared value
for value; so is `duckdb_jaro_winkler_similarity` against DuckDB's `jaro_winkler_similarity` on
pairs of the register's addresses (Chinese text, where Spark's own built-in scores differently).
"""

from __future__ import annotations

from typing import Any

import duckdb
import pytest

from .conftest import SparkRun

pytestmark = pytest.mark.spark


def _duckdb_with_spatial() -> duckdb.DuckDBPyConnection:
    """DuckDB with its spatial extension (from the wheel), as dbt's DuckDB connections have it."""
    from pipelines.standards.dbt_plugin import install_extensions

    con = duckdb.connect()
    install_extensions(con, ("spatial",))
    return con


@pytest.fixture(scope="module")
def spark(spark_run: SparkRun) -> Any:
    """The fixture run's session, its functions registered (pipelines.spark.stages.open_session)."""
    from pipelines.spark.stages import open_session

    return open_session(spark_run.settings)


@pytest.fixture(scope="module")
def boundaries(spark_run: SparkRun) -> list[tuple[str, str]]:
    with spark_run.duckdb_build() as con:
        rows = con.execute(
            "select township_code, geometry from staging.stg_ziranziyuan__township_boundary "
            "where geometry is not null order by township_code, source_line"
        ).fetchall()
    assert rows, "the fixture's county has township boundaries"
    return [(code, geometry) for code, geometry in rows]


def test_boundary_measures_equal_duckdb_spatial(spark_run: SparkRun, spark: Any, boundaries: list[tuple[str, str]]) -> None:
    frame = spark.createDataFrame(boundaries, "code string, geojson string")
    frame.createOrReplaceTempView("test_boundaries")
    on_spark = {
        row[0]: tuple(row[1:])
        for row in spark.sql(
            "select code, geo_area_spheroid(geojson), geo_centroid_x(geojson), geo_centroid_y(geojson), "
            "geo_is_valid(geojson), st_asbinary(st_geomfromwkb(geo_wkb(geojson))) from test_boundaries"
        ).collect()
    }
    with _duckdb_with_spatial() as con:
        in_duckdb = {
            code: con.execute(
                "select ST_Area_Spheroid(ST_FlipCoordinates(g)), ST_X(ST_Centroid(g)), ST_Y(ST_Centroid(g)), "
                "ST_IsValid(g), ST_AsWKB(g) from (select ST_GeomFromGeoJSON(?) as g)",
                [geojson],
            ).fetchone()
            for code, geojson in boundaries
        }
    assert set(on_spark) == set(in_duckdb)
    for code, expected in in_duckdb.items():
        area, x, y, valid, wkb = on_spark[code]
        assert (area, x, y, valid) == tuple(expected[:4]), code
        assert bytes(wkb) == bytes(expected[4]), code
        assert area > 0


def test_point_in_polygon_equals_duckdb_spatial(spark_run: SparkRun, spark: Any, boundaries: list[tuple[str, str]]) -> None:
    with spark_run.duckdb_build() as con:
        points = con.execute(
            "select distinct cast(lon as double), cast(lat as double) from staging.stg_minzheng__address_register "
            "where lon is not null and lat is not null order by 1, 2"
        ).fetchall()
    # the register's points, and points outside every boundary (the county's corner, far away)
    points += [(0.0, 0.0), (float(points[0][0]) + 5.0, float(points[0][1]))]
    pairs = [(code, geojson, lon, lat) for code, geojson in boundaries for lon, lat in points]
    frame = spark.createDataFrame(pairs, "code string, geojson string, lon double, lat double")
    frame.createOrReplaceTempView("test_points")
    on_spark = {
        (row[0], row[1], row[2]): row[3]
        for row in spark.sql("select code, lon, lat, geo_contains_point(geojson, lon, lat) from test_points").collect()
    }
    with _duckdb_with_spatial() as con:
        con.execute("create temp table pairs (code varchar, geojson varchar, lon double, lat double)")
        con.executemany("insert into pairs values (?, ?, ?, ?)", pairs)
        in_duckdb = {
            (code, lon, lat): contains
            for code, lon, lat, contains in con.execute(
                "select code, lon, lat, ST_Contains(ST_GeomFromGeoJSON(geojson), ST_Point(lon, lat)) from pairs"
            ).fetchall()
        }
    assert on_spark == in_duckdb
    assert any(in_duckdb.values()) and not all(in_duckdb.values())


def test_jaro_winkler_equals_duckdb_on_addresses(spark_run: SparkRun, spark: Any) -> None:
    with spark_run.duckdb_build() as con:
        addresses = [
            a for (a,) in con.execute(
                "select distinct address from staging.int_person_records where address is not null order by 1 limit 40"
            ).fetchall()
        ]
        pairs = [(a, b) for a in addresses[:20] for b in addresses[20:]] + [("北京路1号", "北京路2号"), ("", "a"), (None, "a")]
        expected = {(a, b): con.execute("select jaro_winkler_similarity(?, ?)", [a, b]).fetchone()[0] for a, b in pairs}  # type: ignore[index]
    frame = spark.createDataFrame(pairs, "a string, b string")
    frame.createOrReplaceTempView("test_pairs")
    rows = spark.sql(
        "select a, b, duckdb_jaro_winkler_similarity(a, b), jaro_winkler_similarity(a, b) from test_pairs"
    ).collect()
    assert {(row[0], row[1]): row[2] for row in rows} == expected
    # why the UDF: Spark's built-in compares characters, DuckDB's bytes (UTF-8)
    assert any(row[3] != row[2] for row in rows if row[0] and row[1])
