"""Spark's Python worker daemon with the standards already imported.

Spark forks one Python worker per task slot from a daemon (`spark.python.daemon.module`). A
fresh worker importing the standards (Polars, OpenCC, pypinyin, ...) takes seconds, and a staging
model starts several; forked from this daemon, which imported them once, a worker starts with
them loaded. No Polars work runs here before the fork (importing starts no thread pool).
"""

from __future__ import annotations

import warnings

warnings.filterwarnings("ignore", message=".*fork.*", category=RuntimeWarning)

import pipelines.spark.udfs  # noqa: E402,F401  (preloaded for the forked workers)
import pipelines.standards.exprs  # noqa: E402,F401
from pyspark.daemon import manager  # noqa: E402

if __name__ == "__main__":
    manager()
