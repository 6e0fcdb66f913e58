"""One tiny county staged by both engines, once for the whole Spark test package.

The fixture generates a tiny county and ingests it, stages it with DuckDB and keeps a copy of that
warehouse, then stages the same raw tables on a local Spark session (`engine = spark`: the raw
tables exported to the lake as Parquet, the same dbt models on the `spark` target, the std_*
functions as Arrow UDFs). Tests compare the two table by table. The tests need a Java 17 runtime
(`make java-deps` installs Debian's when root); where `java` is missing they skip and say so.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pytest

from pipelines.settings import Settings, load_settings
from pipelines.spark.session import java_available


@dataclass(frozen=True)
class SparkRun:
    settings: Settings  # engine = spark, lake under the run's folder
    duckdb_warehouse: Path  # copy of the warehouse after the DuckDB stage
    stage_counts: dict[str, int]  # the Spark stage's result

    def duckdb_build(self) -> duckdb.DuckDBPyConnection:
        return duckdb.connect(str(self.duckdb_warehouse), read_only=True)


@dataclass(frozen=True)
class LibraryBuilds:
    """The libraries of one county built by both engines from the same staged and resolved data."""

    settings: Settings  # the Spark build's (engine = spark): its lake holds Spark's tables
    duckdb_warehouse: Path  # DuckDB's build: resolve and build on a copy of the DuckDB stage
    spark_error: str | None  # the Spark build's error (the models that failed), None when it passed

    def duckdb_build(self) -> duckdb.DuckDBPyConnection:
        return duckdb.connect(str(self.duckdb_warehouse), read_only=True)


def _require_java() -> None:
    if not java_available():
        pytest.skip("no Java runtime (`java` on PATH or JAVA_HOME): `make java-deps` installs openjdk-17-jre-headless")


@pytest.fixture(scope="session")
def spark_session_lake(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The lake of the plain session the `spark` fixture gives (one for the whole test run)."""
    return tmp_path_factory.mktemp("spark-session") / "lake"


@pytest.fixture(scope="module")
def spark(spark_session_lake: Path) -> Any:
    """The process's Spark session (the settings' [spark], its lake in a temporary folder).

    Per module, not per run: Spark keeps one session per process, and a fixture that builds on
    another lake (`spark_run`'s) replaces it, which stops a session an earlier module was handed;
    asking again gives the live one (the same one when nothing replaced it)."""
    _require_java()
    from pipelines.spark.session import spark_session

    settings = load_settings()
    return spark_session(settings.model_copy(update={"spark": settings.spark.model_copy(update={"lake": spark_session_lake})}))


@pytest.fixture(scope="session")
def spark_run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SparkRun]:
    _require_java()
    from pipelines.generator import generate
    from pipelines.ingest import ingest
    from pipelines.stage import run_stage

    base = tmp_path_factory.mktemp("spark")
    env = {
        "GOVDATA_WAREHOUSE": str(base / "warehouse" / "govdata.duckdb"),
        "GOVDATA_LANDING": str(base / "landing"),
        "GOVDATA_TRUTH": str(base / "truth"),
        "GOVDATA_LOGS": str(base / "logs"),
        "GOVDATA_LINEAGE_DIR": str(base / "lineage"),
        "GOVDATA_SCALE": "tiny",
        "GOVDATA_SPARK__LAKE": str(base / "lake"),
        "GOVDATA_DBT_TARGET": str(base / "dbt_target"),
    }
    saved = {key: os.environ.get(key) for key in [*env, "GOVDATA_ENGINE"]}
    os.environ.update(env)
    os.environ["GOVDATA_ENGINE"] = "duckdb"
    try:
        settings = load_settings()
        generate(settings)
        ingest(settings)
        run_stage(settings)
        copy = base / "duckdb_build.duckdb"
        with duckdb.connect(str(settings.warehouse_path)) as con:
            con.execute("checkpoint")
        shutil.copyfile(settings.warehouse_path, copy)
        os.environ["GOVDATA_ENGINE"] = "spark"
        spark_settings = load_settings()
        counts = run_stage(spark_settings)
        yield SparkRun(settings=spark_settings, duckdb_warehouse=copy, stage_counts=counts)
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


@pytest.fixture(scope="session")
def spark_libraries(spark_run: SparkRun) -> LibraryBuilds:
    """Resolve and build the DuckDB copy with DuckDB; give the Spark warehouse the same `er`
    tables (one crosswalk for both, so the builds differ only by engine) and build on Spark.

    A Spark build that fails on some models is kept (its error recorded): the tables it built are
    still compared, so each library's test passes or fails on its own."""
    from pipelines.build import run_build
    from pipelines.errors import GovdataError
    from pipelines.resolve.stage import run_resolve

    duck_path = spark_run.duckdb_warehouse.with_name("duckdb_libraries.duckdb")
    shutil.copyfile(spark_run.duckdb_warehouse, duck_path)
    duck_settings = load_settings(warehouse=duck_path, engine="duckdb")
    run_resolve(duck_settings)
    run_build(duck_settings)
    with duckdb.connect(str(duck_path)) as con:
        con.execute("checkpoint")
        er_tables = [
            name
            for (name,) in con.execute(
                "select table_name from information_schema.tables where table_schema = 'er' and table_type = 'BASE TABLE'"
            ).fetchall()
        ]
    with duckdb.connect(str(spark_run.settings.warehouse_path)) as con:
        con.execute(f"attach '{duck_path}' as duck (read_only)")
        con.execute("create schema if not exists er")
        for table in er_tables:
            con.execute(f'create or replace table er."{table}" as select * from duck.er."{table}"')
        con.execute("detach duck")
    error = None
    try:
        run_build(spark_run.settings)
    except GovdataError as exc:
        error = str(exc)
    return LibraryBuilds(settings=spark_run.settings, duckdb_warehouse=duck_path, spark_error=error)
