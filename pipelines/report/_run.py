"""`run_report`: the report of one run, written to `<reports>/<run id>/`."""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from datetime import UTC
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import duckdb

from pipelines.exports import write_atomically
from pipelines.report._context import RunContext, is_newest, resolve_run
from pipelines.report._provenance import code_version, settings_provenance
from pipelines.report._reconciliation import store as store_reconciliation
from pipelines.report._render import plain, render_page, to_json
from pipelines.report._sections import SECTIONS
from pipelines.report._workbook import findings_workbook
from pipelines.settings import Settings
from pipelines.warehouse import connect, record_stage

REPORT_FORMAT = 1
LATEST = "latest"


@dataclass(frozen=True)
class Report:
    """A report's three files, as bytes, and the run they describe."""

    run_id: str
    page: bytes
    document: bytes
    workbook: bytes


def _run_header(context: RunContext, zone: ZoneInfo) -> dict[str, Any]:
    settings = context.settings
    offset = context.run.started.replace(tzinfo=UTC).astimezone(zone).strftime("%z")
    return {
        "run_id": context.run_id,
        "as_of": settings.as_of,
        "county": settings.county.name,
        "county_code": settings.county.code,
        "timezone": settings.county.timezone,
        "utc_offset": f"UTC{offset[:3]}:{offset[3:]}",
        "started": context.run.started,
        "finished": context.run.finished,
        "previous_run": context.previous.run_id if context.previous else None,
    }


def build_report(con: duckdb.DuckDBPyConnection, context: RunContext) -> Report:
    """The report of the run in `context`, from what the warehouse holds (no clock read)."""
    zone = ZoneInfo(context.settings.county.timezone)
    sections = {section.key: section.collect(con, context) for section in SECTIONS}
    document = plain(
        {
            "format": REPORT_FORMAT,
            "run": _run_header(context, zone),
            "provenance": {"code": code_version(context.settings), "settings": settings_provenance(context.settings)},
            "sections": sections,
            "section_order": [{"key": s.key, "heading": s.heading} for s in SECTIONS],
        },
        zone,
    )
    data = to_json(document)
    digest = hashlib.sha256(data).hexdigest()
    page = render_page([{"key": s.key, "heading": s.heading} for s in SECTIONS], document, digest)
    return Report(context.run_id, page.encode("utf-8"), data, findings_workbook(document["sections"]["findings"]))


def _link_latest(root: Path, run_id: str) -> None:
    """Point `<reports>/latest` at the run's folder (a relative link, replaced atomically)."""
    link = root / LATEST
    partial = root / f".{LATEST}.partial"
    if partial.is_symlink() or partial.exists():
        partial.unlink()
    os.symlink(run_id, partial, target_is_directory=True)
    os.replace(partial, link)


def write_report(settings: Settings, run_id: str | None = None) -> dict[str, str]:
    """Write the report of run `run_id` (by default the chain this process runs in, or the
    latest run): `index.html`, `report.json`, `findings.xlsx`; `latest` follows the newest run."""
    with connect(settings) as con:
        context = resolve_run(con, settings, run_id)
        store_reconciliation(con, context)
        report = build_report(con, context)
        newest = is_newest(con, context)
    folder = settings.reports_path / report.run_id
    write_atomically(folder / "report.json", report.document)
    write_atomically(folder / "findings.xlsx", report.workbook)
    write_atomically(folder / "index.html", report.page)
    outputs = {
        "run id": report.run_id,
        "report": str(folder / "index.html"),
        "report.json sha256": hashlib.sha256(report.document).hexdigest(),
        "findings": str(folder / "findings.xlsx"),
    }
    if newest:
        _link_latest(settings.reports_path, report.run_id)
        outputs["latest"] = str(settings.reports_path / LATEST)
    return outputs


READS = (
    "raw.ingest_ledger",
    "raw.quarantine",
    "meta.runs",
    "meta.reconciliation",
    "dq.results",
    "dq.gate",
    "dq.findings",
    "dq.finding_evidence",
    "dq.finding_dispositions",
)
"""The warehouse tables the report reads (its lineage; those that exist are named)."""


def _emit_lineage(settings: Settings, chain_run_id: str, outputs: dict[str, str]) -> None:
    from pipelines import lineage
    from pipelines.warehouse import table_exists

    with connect(settings, read_only=True) as con:
        read = [t for t in READS if table_exists(con, t)]
    folder = Path(outputs["report"]).parent
    lineage.emit_stage(
        settings,
        "report",
        chain_run_id,
        inputs=[lineage.table_dataset(settings, t) for t in read],
        outputs=[lineage.file_dataset(folder / name) for name in ("index.html", "report.json", "findings.xlsx")],
    )


def run_report(settings: Settings, run_id: str | None = None, pdf: bool = False) -> dict[str, str]:
    """The report stage: write the auditors' report of a run (recorded in meta.runs as `report`);
    with `pdf`, also print it to `report.pdf` with headless Chromium."""
    with record_stage("report", settings) as run:
        outputs = write_report(settings, run_id)
        run.rows_out = 3
        run.message = f"report of run {outputs['run id']}"
        _emit_lineage(settings, run.chain_run_id, outputs)
    if pdf:
        from pipelines.report._pdf import print_pdf

        page = Path(outputs["report"])
        outputs["pdf"] = str(print_pdf(page, page.with_name("report.pdf")))
    return outputs
