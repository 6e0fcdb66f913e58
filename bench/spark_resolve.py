"""The resolver on Spark against the local engine, side by side (issue 22; run by hand).

    .venv/bin/python bench/spark_resolve.py --input PERSONS.parquet [--rows 100000] [--kind persons]

Resolves the same records (the first `--rows` of a Parquet file of contract columns, e.g.
`staging.int_person_records` exported) with `resolve_persons` / `resolve_orgs` and with
`pipelines.spark.resolve.resolve_on_spark` on the settings' local session, prints both times
and whether the clusters are identical. Peak memory of the driver process is reported for the
local run only (Spark's executors are JVM threads of the same process in local mode).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import time
from pathlib import Path


def _clusters(xref):  # noqa: ANN001, ANN202 - polars frame in, set out
    import polars as pl

    groups = xref.group_by("entity_id").agg(pl.concat_str("source", "record_id", separator="\x1f").sort().alias("m"))
    return {tuple(m) for m in groups["m"].to_list()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--input", type=Path, required=True)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--kind", choices=("persons", "orgs"), default="persons")
    args = parser.parse_args(argv)
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)

    import polars as pl

    from pipelines.resolve.api import resolve_orgs, resolve_persons
    from pipelines.settings import get_settings
    from pipelines.spark.resolve import resolve_on_spark
    from pipelines.spark.session import spark_session

    settings = get_settings()
    records = pl.read_parquet(args.input).head(args.rows)
    clock = time.perf_counter()
    local = (resolve_persons if args.kind == "persons" else resolve_orgs)(records, settings.as_of)
    local_s = time.perf_counter() - clock
    local_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6

    clock = time.perf_counter()
    spark = spark_session(settings)
    session_s = time.perf_counter() - clock
    clock = time.perf_counter()
    on_spark = resolve_on_spark(spark, spark.createDataFrame(records.to_arrow()), args.kind, settings.as_of)
    spark_s = time.perf_counter() - clock
    result = {
        "records": records.height,
        "local_s": round(local_s, 1),
        "local_peak_gb": round(local_peak, 2),
        "spark_session_s": round(session_s, 1),
        "spark_s": round(spark_s, 1),
        "spark_partitions": on_spark.stats.get("partitions"),
        "same_clusters": _clusters(local.xref) == _clusters(on_spark.xref),
        "load_average": os.getloadavg(),
        "spark_phases": {k: v for k, v in on_spark.stats.items() if k.endswith("_s")},
    }
    print(json.dumps(result))
    return 0 if result["same_clusters"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
