"""One Spark session per process, configured from the settings (`[spark]`).

dbt-spark's `session` method and the Spark resolver use the same active session, so the
standardisers registered on it are visible to dbt's SQL models run in the same process.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import TYPE_CHECKING

from pipelines.errors import GovdataError

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

    from pipelines.settings import Settings


class SparkUnavailable(GovdataError):
    """Java or pyspark is missing on this machine."""


def java_available() -> bool:
    """Spark 4 needs a full Java 17 runtime (`java` on PATH or JAVA_HOME)."""
    import os

    return bool(shutil.which("java") or os.environ.get("JAVA_HOME"))


def spark_session(settings: Settings) -> SparkSession:
    """The process's Spark session, created on first use with the settings' master, memory,
    shuffle partitions and the lake as its warehouse directory."""
    if not java_available():
        raise SparkUnavailable(
            "engine = spark needs Java 17 (`java` on PATH or JAVA_HOME): "
            "apt-get install openjdk-17-jre-headless"
        )
    try:
        from pyspark.sql import SparkSession
    except ImportError as exc:  # pragma: no cover - pyspark is a declared dependency
        raise SparkUnavailable(f"engine = spark needs pyspark: {exc}") from exc
    import os
    import sys

    lake = settings.lake_path
    lake.mkdir(parents=True, exist_ok=True)
    conf = settings.spark
    # Python workers run this interpreter (the project's environment: Polars, the standards).
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    active = SparkSession.getActiveSession()
    if active is not None and _warehouse_dir(active) != lake.resolve():
        # the warehouse directory is fixed when a session starts: another lake needs a new one
        active.stop()
    return (
        SparkSession.builder.master(conf.master)
        .appName("govdata")
        .config("spark.driver.memory", conf.driver_memory)
        .config("spark.sql.shuffle.partitions", str(conf.shuffle_partitions))
        .config("spark.sql.warehouse.dir", str(lake.resolve()))
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
        .config("spark.pyspark.python", sys.executable)
        # workers forked from a daemon that has imported the standards (see worker_daemon)
        .config("spark.python.daemon.module", "pipelines.spark.worker_daemon")
        # Parquet the DuckDB side reads as plain TIMESTAMP (no time zone), like the warehouse's
        .config("spark.sql.timestampType", "TIMESTAMP_NTZ")
        .config("spark.sql.parquet.outputTimestampType", "TIMESTAMP_MICROS")
        # a table folder left by an earlier process (the catalog lives in the session) is replaced
        .config("spark.sql.legacy.allowNonEmptyLocationInCTAS", "true")
        .getOrCreate()
    )


def _warehouse_dir(spark: SparkSession) -> Path:
    """The folder a running session keeps its managed tables in."""
    value = spark.conf.get("spark.sql.warehouse.dir") or ""
    return Path(value.removeprefix("file:")).resolve()
