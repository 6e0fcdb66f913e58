"""Benchmark of the data-quality checks: accuracy against the generator's truth, and cost.

Accuracy: every defect the generator recorded with expected outcome `flagged` should have a
failing record in `dq.failures` of the latest check runs: same file and line, and the same column
when the defect names one (matched through the source contract's headers and aliases). Recall is
reported overall and per kind. False alarms: delivered records (file, line) with no recorded defect
of any kind (near misses, expected `passed`, count as clean) that some check flagged, over all such
clean records; near misses flagged on their own cell are also counted apart.

Cost: the check stages' share of the pipeline's run time, from `meta.runs`.

Usage (after `govdata generate` and a pipeline run at the same settings):
    python bench/quality.py                 # measure the latest runs of the warehouse
    python bench/quality.py --run           # run `check staging` and `check libraries` first
The truth is read here (a benchmark), never by pipeline code.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import Any

import duckdb
import polars as pl

from pipelines.contracts import get_contract
from pipelines.settings import Settings, get_settings

FLAGGED = "flagged"
PASSED = "passed"  # near misses the checks must let through
WHOLE_ROW = "__row__"


def _english_column(source: str, header: str | None) -> str:
    """The English column a truth defect names (by delivered header or alias); whole row if none."""
    if header is None:
        return WHOLE_ROW
    column = get_contract(source).column_for_header(header)
    return column.name if column is not None else header


def truth_defects(truth_path: Path) -> pl.DataFrame:
    """The generator's defects with the English column name each one affects."""
    defects = pl.read_parquet(truth_path / "defects.parquet")
    outcome = "expected" if "expected" in defects.columns else "expected_outcome"
    return defects.rename({outcome: "expected"}).with_columns(
        pl.struct("source", "column")
        .map_elements(lambda r: _english_column(r["source"], r["column"]), return_dtype=pl.String)
        .alias("column_en")
    )


def latest_failures(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """Failing records of the latest run of each check stage."""
    return con.execute(
        """
        with latest as (
            select stage, arg_max(run_id, evaluated_at) as run_id from dq.results group by stage
        )
        select f.source, f.source_file, f.line, f."column", f.check_id, f.dimension, f.severity
        from dq.failures f join latest using (stage, run_id)
        where f.source_file is not null
        """
    ).pl()


def delivered_records(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """Every (file, line) delivered into a staging model."""
    tables = [
        name for (name,) in con.execute(
            "select table_name from information_schema.tables where table_schema = 'staging' "
            "and table_name like 'stg\\_%' escape '\\'"
        ).fetchall()
    ]
    parts = [f"select distinct source_file, cast(source_line as varchar) as line from staging.{t}" for t in tables]
    return con.execute(" union all ".join(parts)).pl() if parts else pl.DataFrame()


def superseded_files(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Files whose batch a later redelivery replaced (the ingest ledger's `replaces_batch_id`)."""
    return [
        file for (file,) in con.execute(
            """
            select distinct l.file from raw.ingest_ledger l
            where l.batch_id in (select replaces_batch_id from raw.ingest_ledger where replaces_batch_id is not null)
            """
        ).fetchall()
    ]


def accuracy(con: duckdb.DuckDBPyConnection, truth_path: Path, files: list[str] | None = None) -> dict[str, Any]:
    """Recall on flagged defects (overall, per kind) and the false-alarm rate on clean records.

    `files` restricts the measure to these delivered files (e.g. the current snapshots).
    """
    defects = truth_defects(truth_path)
    failures = latest_failures(con)
    records = delivered_records(con)
    if files is not None:
        defects = defects.filter(pl.col("file").is_in(files))
        records = records.filter(pl.col("source_file").is_in(files))
    # a file replaced by a corrected redelivery (`_更正`) is no longer in the warehouse: its rows
    # cannot be flagged, the correction's rows are (they carry their own truth rows)
    replaced = superseded_files(con)
    excluded = defects.filter(pl.col("file").is_in(replaced) & (pl.col("expected") == FLAGGED)).height
    defects = defects.filter(~pl.col("file").is_in(replaced))
    flagged = defects.filter(pl.col("expected") == FLAGGED)
    by_cell = failures.select(pl.col("source_file").alias("file"), "line", pl.col("column").alias("column_en")).unique()
    by_row = failures.select(pl.col("source_file").alias("file"), "line").unique()
    cell_hits = flagged.filter(pl.col("column_en") != WHOLE_ROW).join(by_cell, on=["file", "line", "column_en"], how="semi")
    row_hits = flagged.filter(pl.col("column_en") == WHOLE_ROW).join(by_row, on=["file", "line"], how="semi")
    found = pl.concat([cell_hits, row_hits])
    per_kind = (
        flagged.group_by("kind").len("planted")
        .join(found.group_by("kind").len("found"), on="kind", how="left")
        .with_columns(pl.col("found").fill_null(0))
        .with_columns((pl.col("found") / pl.col("planted")).alias("recall"))
        .sort("kind")
    )
    # near misses (expected `passed`: an event on the very day of its party's birth) are clean
    # records; they are also measured on their own cell
    near = defects.filter(pl.col("expected") == PASSED)
    near_flagged = near.join(by_cell, on=["file", "line", "column_en"], how="semi")
    dirty = defects.filter(pl.col("expected") != PASSED).select("file", "line").unique()
    clean = records.rename({"source_file": "file"}).join(dirty, on=["file", "line"], how="anti")
    false_alarms = clean.join(by_row, on=["file", "line"], how="semi")
    return {
        "flagged_in_superseded_files_excluded": excluded,
        "flagged_planted": flagged.height,
        "flagged_found": found.height,
        "recall": found.height / flagged.height if flagged.height else None,
        "per_kind": per_kind.to_dicts(),
        "clean_records": clean.height,
        "clean_flagged": false_alarms.height,
        "false_alarm_rate": false_alarms.height / clean.height if clean.height else None,
        "near_misses": near.height,
        "near_misses_flagged": near_flagged.height,
        "near_misses_flagged_by_kind": near_flagged.group_by("kind").len().sort("kind").to_dicts(),
        "missed": flagged.join(found, on=["file", "line", "column_en", "kind"], how="anti")
        .select("source", "file", "line", "column", "kind").head(20).to_dicts(),
        "false_alarm_checks": failures.join(false_alarms.rename({"file": "source_file"}), on=["source_file", "line"], how="semi")
        .group_by("check_id").len().sort("len", descending=True).head(15).to_dicts(),
    }


def cost(con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    """Latest duration of each stage and the checks' share of the pipeline's run time."""
    rows = con.execute(
        """
        select stage, arg_max(duration_s, started_at) from meta.runs where outcome = 'success'
        group by stage
        """
    ).fetchall()
    durations = {stage: float(seconds or 0.0) for stage, seconds in rows}
    checks = sum(v for k, v in durations.items() if k.startswith("check_"))
    pipeline = sum(v for k, v in durations.items() if k != "generate")
    return {"durations_s": durations, "checks_s": checks, "pipeline_s": pipeline,
            "checks_share": checks / pipeline if pipeline else None}


def main(settings: Settings, run: bool) -> dict[str, Any]:
    if run:
        from pipelines.quality import check_libraries, check_staging

        started = time.perf_counter()
        check_staging(settings)
        check_libraries(settings)
        print(f"checks ran in {time.perf_counter() - started:.1f} s")
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as con:
        result = {"scale": settings.scale.value, **accuracy(con, settings.truth_path), "cost": cost(con)}
    return result


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--run", action="store_true", help="run both check stages first")
    args = parser.parse_args()
    print(json.dumps(main(get_settings(), args.run), ensure_ascii=False, indent=1, default=str))
