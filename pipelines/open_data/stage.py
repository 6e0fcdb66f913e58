"""The open-data release: every open dataset the catalog allows, checked whole before anything is
written, then its files, the open-data list, the DCAT catalog and `catalog.open_releases`.

Order of a release:
1. Which datasets: the models of `models/open_data/` whose catalog 开放属性 is 无条件开放 or
   有条件开放. One whose 开放属性 became 不予开放 (or that left the catalog) is withdrawn: its
   folder is removed and the release records it.
2. The library gate: a dataset built from a library whose quality gate is closed is refused and
   keeps what was published before (nothing of it is written).
3. The checks, over every dataset at once, before any file is written: record-level data about
   natural persons is refused (a dataset's grain must be organisation, place, indicator or
   aggregate); a personal or sensitive column is refused unless it is a publicity field
   (法定代表人, 经营者, 负责人); small counts are suppressed with secondary suppression; every
   cell is scanned for personal data (`scanner`). Any failure stops the release
   (`OpenDataRefused`, naming the dataset, column and masked value): nothing is written.
4. The files, the list, the DCAT catalog, the releases table. Reruns write the same bytes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import duckdb
import polars as pl

from pipelines.catalog.build import Catalog
from pipelines.errors import GovdataError
from pipelines.open_data import files as open_files
from pipelines.open_data import listing, releases
from pipelines.open_data.datasets import OPEN_ATTRIBUTES_RELEASED, OPEN_GRAINS, OpenDataset, load_datasets
from pipelines.open_data.scanner import is_publicity_field, resident_names, scan_frame
from pipelines.open_data.suppression import suppress
from pipelines.settings import Settings
from pipelines.warehouse import table_exists

MASKED_SENSITIVITIES = ("personal", "sensitive")


class OpenDataRefused(GovdataError):
    """The release failed a check: nothing was published. `problems` names each failure."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        shown = "\n  ".join(problems[:20])
        more = f"\n  ... and {len(problems) - 20} more" if len(problems) > 20 else ""
        super().__init__(f"open data not published: {len(problems)} check(s) failed:\n  {shown}{more}")


@dataclass
class Candidate:
    dataset: OpenDataset
    frame: pl.DataFrame
    suppressed_cells: int


def structural_problems(dataset: OpenDataset, frame: pl.DataFrame) -> list[str]:
    """What makes a dataset unpublishable whatever its cells hold: rows that are natural persons,
    personal columns that no publicity rule opens, columns nobody declared."""
    problems = []
    if dataset.grain not in OPEN_GRAINS:
        problems.append(
            f"{dataset.id} ({dataset.table}): record-level data about natural persons is not opened "
            f"(meta.open.grain is {dataset.grain!r}; open grains: {', '.join(OPEN_GRAINS)})")
    for name in frame.columns:
        column = dataset.column(name)
        if column is None:
            problems.append(f"{dataset.id}: column {name} is not declared in the dataset's YAML "
                            "(no Chinese name, definition or sensitivity)")
        elif column.sensitivity in MASKED_SENSITIVITIES and not is_publicity_field(column.name_zh):
            problems.append(f"{dataset.id}: column {column.name_zh} ({name}) is {column.sensitivity} data and "
                            "not a publicity field (法定代表人, 经营者, 负责人): it cannot be opened")
    return problems


def _gate_closed(con: duckdb.DuckDBPyConnection, dataset: OpenDataset, settings: Settings) -> list[str]:
    from pipelines.quality import gate_status

    return [lib for lib in dataset.libraries if not gate_status(con, lib, settings)]


def _prepare(dataset: OpenDataset, frame: pl.DataFrame) -> pl.DataFrame:
    """Items the catalog does not open (an item's own 开放属性 不予开放) are left out."""
    closed = [c.name for c in dataset.columns if c.open_attribute == "不予开放" and c.name in frame.columns]
    return frame.drop(closed)


def publish_open_data(
    con: duckdb.DuckDBPyConnection, settings: Settings, run_id: str, catalog: Catalog
) -> dict[str, Any]:
    """Release the open datasets (see the module notes); returns what happened to each.

    Raises:
        OpenDataRefused: a check failed; nothing was written (the refusal is recorded in
            catalog.open_releases).
    """
    open_path = settings.open_path
    folder = settings.root / "dbt_project" / "models" / "open_data"
    datasets = load_datasets(folder, {s.table: s for s in catalog.specs})
    on_disk = releases.published_folders(open_path)
    rows: list[releases.ReleaseRow] = []
    outcome: dict[str, Any] = {}
    candidates: list[Candidate] = []
    keep: set[str] = set()
    problems: list[str] = []
    checked: dict[str, OpenDataset] = {}
    names: frozenset[str] | None = None

    def row(ds: OpenDataset, action: str, reason: str = "", **kw: Any) -> releases.ReleaseRow:
        return releases.ReleaseRow(ds.id, ds.spec.code, ds.spec.name, ds.theme, action, reason, **kw)

    for ds in datasets:
        if ds.spec.open_attribute not in OPEN_ATTRIBUTES_RELEASED:
            if ds.id in on_disk:
                reason = f"开放属性 {ds.spec.open_attribute}: not open any more"
                rows.append(row(ds, "withdrawn", reason))
                outcome[ds.id] = f"withdrawn: {reason}"
            continue
        if not table_exists(con, ds.table):
            keep.add(ds.id)
            outcome[ds.id] = f"skipped: {ds.table} not built"
            rows.append(row(ds, "skipped", f"{ds.table} not built"))
            continue
        closed = _gate_closed(con, ds, settings)
        if closed:
            keep.add(ds.id)
            reason = f"the {', '.join(closed)} quality gate is closed"
            outcome[ds.id] = f"refused: {reason}"
            rows.append(row(ds, "refused", reason))
            continue
        frame = _prepare(ds, con.execute(f"select * from {ds.table}").pl())
        checked[ds.id] = ds
        found = structural_problems(ds, frame)
        if found:
            problems += found
            continue
        cells = 0
        if ds.suppression:
            frame, cells = suppress(frame, ds.suppression, settings.open_min_count)
        if names is None:
            names = resident_names(con)
        headers = {c.name: c.name_zh for c in open_files.published_columns(ds, frame)}
        problems += [str(hit) for hit in scan_frame(ds.id, frame, headers, settings.as_of, names)]
        candidates.append(Candidate(ds, frame, cells))

    if problems:
        refused = {p.split(":")[0].split(" ")[0] for p in problems}
        for dataset_id, ds in sorted(checked.items()):
            if dataset_id in refused:
                failed = [p for p in problems if p.split(":")[0].split(" ")[0] == dataset_id]
                rows.append(row(ds, "refused", f"release checks failed: {failed[0]}"[:500]))
        releases.record(con, run_id, settings.as_of, rows)
        raise OpenDataRefused(problems)

    released: dict[str, dict[str, Any]] = {}
    by_table = {r["数据表"]: r for r in catalog.resources.iter_rows(named=True)}
    for candidate in candidates:
        ds, frame = candidate.dataset, candidate.frame
        resource = by_table[ds.table]
        data = open_files.dataset_files(ds, frame)
        meta = open_files.metadata(
            ds, frame, data,
            provider=resource["信息资源提供方"], provider_code=resource["提供方代码"],
            licence=settings.open_licence, as_of=settings.as_of,
            suppressed_cells=candidate.suppressed_cells, min_count=settings.open_min_count,
        )
        written = open_files.write_dataset(open_path / ds.id, data, meta)
        released[ds.spec.code or ds.id] = meta
        rows.append(row(ds, "released", rows=frame.height, suppressed_cells=candidate.suppressed_cells
                        if ds.suppression else None, files=written))
        outcome[ds.id] = f"{frame.height} rows -> {open_path / ds.id}"
        keep.add(ds.id)

    declared = {ds.id for ds in datasets}
    for dataset_id, meta in on_disk.items():
        if dataset_id in keep:
            continue
        if dataset_id not in declared:
            reason = "no longer in the catalog"
            rows.append(releases.ReleaseRow(dataset_id, meta.get("resource_code"), meta.get("title", ""),
                                            meta.get("theme", ""), "withdrawn", reason))
            outcome[dataset_id] = f"withdrawn: {reason}"
        releases.withdraw(open_path, dataset_id)
    releases.remove_legacy_files(open_path)

    # the list and the DCAT catalog describe what data/open/ holds now (kept datasets included)
    current = {m.get("resource_code") or i: m for i, m in releases.published_folders(open_path).items()}
    frame = listing.listing_frame(catalog, current, settings.open_licence, settings.as_of)
    listing.write_listing(open_path, frame, settings.as_of)
    listing.write_dcat(open_path, catalog, current, settings.open_licence, settings.as_of, settings.county.name)
    releases.record(con, run_id, settings.as_of, rows)
    outcome["open data"] = (f"{len(released)} datasets released, "
                            f"{sum(1 for r in rows if r.action == 'withdrawn')} withdrawn, "
                            f"{frame.height} open resources listed -> {open_path / (listing.LISTING_NAME + '.xlsx')}")
    return outcome
