"""Accuracy of the checks against the generator's truth, at `tiny` scale (slow: runs the pipeline).

GIVEN a generated tiny county run through ingest, stage, resolve and build,
WHEN both check stages run,
THEN at least 95% of the defects the generator recorded as `flagged` have a failing record in
dq.failures (same file, line and column), carrying the defect's GB/T 36344 dimension, fewer than
2% of clean delivered records are flagged, and the sample passes every library gate.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import duckdb
import polars as pl
import pytest

from pipelines.settings import Settings

pytestmark = pytest.mark.e2e


def _bench() -> ModuleType:
    path = Path(__file__).parents[2] / "bench" / "quality.py"
    spec = importlib.util.spec_from_file_location("bench_quality", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def checked_county(tmp_path_factory: pytest.TempPathFactory, generated_county: Callable[[Settings], None]) -> Settings:
    from pipelines.build import run_build
    from pipelines.ingest import ingest
    from pipelines.quality import check_libraries, check_staging
    from pipelines.resolve.stage import run_resolve
    from pipelines.settings import load_settings
    from pipelines.stage import run_stage

    base = tmp_path_factory.mktemp("accuracy")
    settings = load_settings(
        warehouse=base / "warehouse" / "govdata.duckdb",
        landing=base / "landing",
        truth=base / "truth",
        reports=base / "reports",
        open_dir=base / "open",
        share_dir=base / "share",
        scale="tiny",
    )
    generated_county(settings)  # what generate(settings) writes
    ingest(settings)
    run_stage(settings)
    check_staging(settings)
    run_resolve(settings)
    run_build(settings)
    check_libraries(settings)
    return settings


def test_recall_and_false_alarms_against_the_truth(checked_county: Settings) -> None:
    with duckdb.connect(str(checked_county.warehouse_path), read_only=True) as con:
        measured: dict[str, Any] = _bench().accuracy(con, checked_county.truth_path)
    assert measured["flagged_planted"] > 0
    assert measured["recall"] >= 0.95, measured["per_kind"]
    assert measured["false_alarm_rate"] < 0.02, measured["false_alarm_checks"]


def test_found_defects_carry_their_dimension(checked_county: Settings) -> None:
    bench = _bench()
    defects = bench.truth_defects(checked_county.truth_path).filter(pl.col("expected") == "flagged")
    with duckdb.connect(str(checked_county.warehouse_path), read_only=True) as con:
        failures = bench.latest_failures(con).rename({"source_file": "file", "column": "column_en"})
    cells = defects.filter(pl.col("column_en") != bench.WHOLE_ROW).join(failures, on=["file", "line", "column_en"])
    rows = defects.filter(pl.col("column_en") == bench.WHOLE_ROW).join(
        failures.drop("column_en"), on=["file", "line"]
    )
    matched = pl.concat([cells, rows], how="diagonal_relaxed")
    per_defect = matched.group_by("file", "line", "kind").agg(
        (pl.col("dimension") == pl.col("dimension_right")).any().alias("same")
    )
    wrong = per_defect.filter(~pl.col("same"))
    assert wrong.height == 0, wrong.head(10)


def test_the_sample_passes_every_gate(checked_county: Settings) -> None:
    with duckdb.connect(str(checked_county.warehouse_path), read_only=True) as con:
        gates = con.execute("select library, passed, failing_checks from dq.gate").fetchall()
    assert gates and all(passed for _, passed, _ in gates), gates
