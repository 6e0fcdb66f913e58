"""`catalog.open_releases`: what each run published, with the files' SHA-256, and what it withdrew
or refused; and the withdrawal itself (a dataset no longer open is removed from `data/open/`).

One row per dataset per run (`run_id`: the chain run id). Rerunning the same run replaces that
run's rows, so the table holds each run once; earlier runs' rows are never changed.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import duckdb
import polars as pl

from pipelines.open_data.files import METADATA, WrittenFile

TABLE = "catalog.open_releases"
# What earlier versions published at the top of data/open/ (now in their dataset's folder).
LEGACY_FILES = ("population_by_township.csv", "population_by_township.json")


@dataclass(frozen=True)
class ReleaseRow:
    dataset_id: str
    resource_code: str | None
    title: str
    theme: str
    action: str  # released, withdrawn, refused, skipped
    reason: str = ""
    rows: int | None = None
    suppressed_cells: int | None = None
    files: Sequence[WrittenFile] = field(default_factory=tuple)


_SCHEMA = {
    "run_id": pl.String, "as_of": pl.Date, "dataset_id": pl.String, "resource_code": pl.String,
    "title": pl.String, "theme": pl.String, "action": pl.String, "reason": pl.String,
    "rows": pl.Int64, "suppressed_cells": pl.Int64,
    "files": pl.List(pl.Struct({"file": pl.String, "sha256": pl.String, "bytes": pl.Int64})),
}


def record(con: duckdb.DuckDBPyConnection, run_id: str, as_of: date, rows: Iterable[ReleaseRow]) -> int:
    """Replace this run's rows of catalog.open_releases with `rows`; returns how many."""
    frame = pl.DataFrame(
        [
            {"run_id": run_id, "as_of": as_of, "dataset_id": r.dataset_id, "resource_code": r.resource_code,
             "title": r.title, "theme": r.theme, "action": r.action, "reason": r.reason or None,
             "rows": r.rows, "suppressed_cells": r.suppressed_cells,
             "files": [{"file": f.name, "sha256": f.sha256, "bytes": f.bytes} for f in r.files]}
            for r in sorted(rows, key=lambda r: r.dataset_id)
        ],
        schema=_SCHEMA,
    )
    con.execute("create schema if not exists catalog")
    con.execute(
        f"""
        create table if not exists {TABLE} (
            run_id varchar, as_of date, dataset_id varchar, resource_code varchar, title varchar,
            theme varchar, action varchar, reason varchar, rows bigint, suppressed_cells bigint,
            files struct(file varchar, sha256 varchar, bytes bigint)[]
        )
        """
    )
    con.execute(f"delete from {TABLE} where run_id = ?", [run_id])
    con.register("_open_release_rows", frame)
    try:
        con.execute(f"insert into {TABLE} select * from _open_release_rows")
    finally:
        con.unregister("_open_release_rows")
    return frame.height


def published_folders(open_path: Path) -> dict[str, dict]:
    """Dataset folders of `data/open/` (those holding a metadata.json) -> their metadata."""
    out: dict[str, dict] = {}
    if not open_path.is_dir():
        return out
    for meta in sorted(open_path.glob(f"*/{METADATA}")):
        try:
            out[meta.parent.name] = json.loads(meta.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError):
            out[meta.parent.name] = {}
    return out


def withdraw(open_path: Path, dataset_id: str) -> None:
    """Remove a dataset's folder from `data/open/`."""
    folder = open_path / dataset_id
    if folder.is_dir():
        shutil.rmtree(folder)


def remove_legacy_files(open_path: Path) -> list[str]:
    """The single files earlier versions published at the top of data/open/ (now in a folder)."""
    removed = []
    for name in LEGACY_FILES:
        path = open_path / name
        if path.exists():
            path.unlink()
            removed.append(name)
    return removed
