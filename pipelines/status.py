"""What `govdata status` shows: the last run of each stage and the ingest per department."""

from __future__ import annotations

from typing import Any

from pipelines.settings import Settings
from pipelines.warehouse import connect, last_runs, table_exists

STAGE_ORDER = (
    "generate",
    "ingest",
    "stage",
    "check_staging",
    "resolve",
    "build",
    "check_libraries",
    "findings",
    "publish",
    "report",
    "run",
)


def stage_status(settings: Settings) -> list[dict[str, Any]]:
    """One row per stage that has run, in pipeline order."""
    runs = {row["stage"]: row for row in last_runs(settings)}
    ordered = [runs.pop(stage) for stage in STAGE_ORDER if stage in runs]
    rows = ordered + list(runs.values())
    for row in rows:
        started = row["started_at"]
        row["started_at"] = started.strftime("%Y-%m-%d %H:%M:%S") if started else None
    return rows


def ingest_status(settings: Settings) -> list[dict[str, Any]]:
    """Per department: files, rows loaded and quarantined, rejected files with reasons."""
    if not settings.warehouse_path.exists():
        return []
    with connect(settings, read_only=True) as con:
        if not table_exists(con, "raw.ingest_ledger"):
            return []
        from pipelines.ingest import department_report

        return department_report(con)
