"""Stage, resolve and build with `engine = "spark"`: the same dbt models and the same resolver on
the process's Spark session, writing Parquet tables under the lake.

The stage functions the CLI and the DAGs call (`run_stage`, `run_resolve`, `run_build`) hand over
to these when the settings say `engine = "spark"`, so an Airflow task is the same function on
either engine. Ingest stays DuckDB's (it is one implementation of reading department files);
each Spark stage starts from what the one before wrote to the lake, and ends by pointing the
warehouse's tables of its schemas at the lake (`lake.publish_duckdb_views`), so the later stages
(checks, findings, publish, report) read Spark's results through DuckDB, unchanged.

dbt runs in this process (`dbtRunner`) on the `spark` target, whose `session` method uses the
active session: the session is created and the `std_*` functions registered on it first.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pipelines.settings import Settings
from pipelines.spark import lake

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

    from pipelines.resolve.model import Kind

SPARK_TARGET = "spark"
# Library schemas (pipelines.build.LIBRARY_SCHEMAS) and staging: what the Spark build publishes.
STAGING_SCHEMA = "staging"
# The tables of Python stages that the Spark models read (dbt sources outside raw).
ER_FOR_MODELS = ("person_xref", "org_xref")


def open_session(settings: Settings) -> SparkSession:
    """The process's Spark session with the standardisers registered and the lake's tables known."""
    from pipelines.spark.session import spark_session
    from pipelines.spark.udfs import register_spark_udfs

    spark = spark_session(settings)
    register_spark_udfs(spark, county=settings.county, as_of=settings.as_of)
    lake.register_lake_tables(spark, settings)
    return spark


def run_dbt_on_spark(settings: Settings, args: list[str], command: str = "run") -> list[dict[str, Any]]:
    """`dbt run` (or `seed`) on the `spark` target in this process (models only: the DuckDB build
    runs the project's dbt tests; on Spark the checks stage validates the same tables)."""
    from pipelines.dbt import run_dbt

    open_session(settings)
    return run_dbt(settings, command, ["--target", SPARK_TARGET, *args])


def _count(spark: SparkSession, table: str) -> int:
    return int(spark.table(table).count()) if spark.catalog.tableExists(table) else 0


def spark_stage(settings: Settings, run: Any) -> dict[str, int]:
    """Export the raw tables to the lake, build staging and the record models on Spark."""
    from pipelines import dbt_codegen
    from pipelines.spark.export_raw import export_raw
    from pipelines.stage import STAGING_SELECTOR

    dbt_codegen.write()
    exported = export_raw(settings, lake.raw_export_path(settings))
    run.rows_in = sum(exported.values())
    nodes = run_dbt_on_spark(settings, ["--select", STAGING_SELECTOR])
    spark = open_session(settings)
    persons = _count(spark, "staging.int_person_records")
    orgs = _count(spark, "staging.int_org_records")
    run.rows_out = persons + orgs
    lake.publish_duckdb_views(settings, [STAGING_SCHEMA])
    return {
        "raw rows": run.rows_in,
        "models built": sum(1 for n in nodes if n["node"].startswith("model.")),
        "person records": persons,
        "organisation records": orgs,
    }


def spark_records(spark: SparkSession, table: str, kind: Kind) -> Any:
    """The record table's resolver columns as text, as a Spark DataFrame (empty when missing)."""
    from pipelines.resolve.model import input_columns, read_columns

    cols = input_columns(kind)
    if not spark.catalog.tableExists(table):
        from pyspark.sql import types as T

        return spark.createDataFrame([], T.StructType([T.StructField(c, T.StringType()) for c in cols]))
    cols = read_columns(kind, spark.table(table).columns)
    return spark.table(table).selectExpr(*(f"cast({c} as string) as {c}" for c in cols))


def spark_resolve(settings: Settings, run: Any) -> dict[str, int]:
    """Resolve the lake's record tables with the resolver on Spark (`resolve_on_spark`), assign
    persistent ids in the warehouse's id maps and write the crosswalks to the lake for the models."""
    from pipelines.resolve.idmap import ORG_TABLES, PERSON_TABLES
    from pipelines.resolve.stage import ORG_RECORDS, PERSON_RECORDS, scratch_folder, write_resolution
    from pipelines.resolve.staged import StagedWrites
    from pipelines.spark.resolve import resolve_on_spark
    from pipelines.warehouse import connect

    spark = open_session(settings)
    jobs = [("persons", PERSON_RECORDS, PERSON_TABLES), ("orgs", ORG_RECORDS, ORG_TABLES)]
    resolutions = []
    counts: dict[str, int] = {}
    for kind, table, tables in jobs:
        records = spark_records(spark, table, kind)  # type: ignore[arg-type]
        resolutions.append((kind, tables, resolve_on_spark(spark, records, kind, settings.as_of)))
    xrefs = {}
    with connect(settings) as con:
        con.execute("create schema if not exists er")
        writes = StagedWrites(con, scratch_folder(settings))
        try:
            for kind, tables, resolution in resolutions:
                counts[f"{kind}_in"] = resolution.xref.height
                xref = write_resolution(con, settings, resolution, tables, writes)  # the same tables as the local stage's
                xrefs[tables.entity] = xref
                counts[f"{kind}_out"] = xref.height
                counts[f"{tables.entity}_entities"] = xref[f"{tables.entity}_id"].n_unique()
            writes.swap()  # both kinds' tables live at once, or neither
        except BaseException:
            writes.discard()
            raise
    for entity, xref in xrefs.items():
        lake.write_lake_table(spark, settings, "er", f"{entity}_xref", xref)
    counts["rows_in"] = counts["persons_in"] + counts["orgs_in"]
    counts["rows_out"] = counts["persons_out"] + counts["orgs_out"]
    run.rows_in, run.rows_out = counts["rows_in"], counts["rows_out"]
    return counts


def export_model_inputs(settings: Settings, spark: SparkSession | None = None) -> list[str]:
    """Copy the warehouse tables the models read besides raw and staging (the crosswalks, the
    reviewers' system dispositions) to the lake, so Spark builds from what the Python stages wrote."""
    from pipelines.systems import ensure_dispositions_table
    from pipelines.warehouse import connect, table_exists

    written = []
    with connect(settings) as con:
        ensure_dispositions_table(con)
        frames = {("dq", "system_dispositions"): con.execute("select * from dq.system_dispositions").pl()}
        for table in ER_FOR_MODELS:
            if table_exists(con, f"er.{table}"):
                frames[("er", table)] = con.execute(f"select * from er.{table}").pl()
    for (schema, table), frame in frames.items():
        lake.write_lake_table(spark, settings, schema, table, frame)
        written.append(f"{schema}.{table}")
    return written


# Schemas whose every table the build writes (besides the libraries): the open datasets and the
# seeds' reference tables.
BUILD_ONLY_SCHEMAS = ("open_data", "reference")


def build_outputs(settings: Settings) -> list[tuple[str, str]]:
    """The lake tables an earlier build left: every table of the libraries' and the build-only
    schemas, and the intermediate models (outside `intermediate/records`, which stage builds)
    that are tables in `staging`. Derived from the project's folders, not listed here."""
    from pipelines.build import LIBRARY_SCHEMAS
    from pipelines.dbt import DBT_PROJECT

    intermediate = DBT_PROJECT / "models" / "intermediate"
    built_in_staging = {
        path.stem for path in intermediate.rglob("*.sql") if path.relative_to(intermediate).parts[0] != "records"
    }
    tables = lake.lake_tables(settings, (*LIBRARY_SCHEMAS, *BUILD_ONLY_SCHEMAS))
    tables += [(s, t) for s, t in lake.lake_tables(settings, [STAGING_SCHEMA]) if t in built_in_staging]
    return tables


def clear_build_outputs(spark: SparkSession, settings: Settings) -> list[tuple[str, str]]:
    """Remove what an earlier build wrote before building again. dbt-spark creates a contracted
    model's table with its columns and then inserts into it, and Spark refuses to create a
    managed table whose folder already holds files (LOCATION_ALREADY_EXISTS): a second build in
    a new process, where the folder is registered as an external table, would fail. A build that
    dies afterwards leaves these tables missing until the next build writes them (the build is
    rerun as a whole)."""
    import shutil

    cleared = build_outputs(settings)
    for schema, table in cleared:
        spark.sql(f"drop table if exists `{schema}`.`{table}`")
        shutil.rmtree(lake.table_path(settings, schema, table), ignore_errors=True)
    return cleared


def spark_build(settings: Settings, run: Any) -> dict[str, int]:
    """Build the intermediate models and the marts on Spark from the lake (the seeds first, as
    `dbt build` does on DuckDB); publish the libraries to the warehouse as views."""
    from pipelines.build import BUILD_EXCLUDE, LIBRARY_SCHEMAS

    spark = open_session(settings)
    export_model_inputs(settings, spark)
    run.rows_in = _count(spark, "er.person_xref")
    clear_build_outputs(spark, settings)
    run_dbt_on_spark(settings, [], command="seed")
    run_dbt_on_spark(settings, ["--exclude", BUILD_EXCLUDE])
    spark = open_session(settings)
    counts = {
        f"{schema}.{table}": _count(spark, f"{schema}.{table}")
        for schema, table in lake.lake_tables(settings, LIBRARY_SCHEMAS)
    }
    run.rows_out = sum(counts.values())
    lake.publish_duckdb_views(settings, LIBRARY_SCHEMAS)
    return counts
