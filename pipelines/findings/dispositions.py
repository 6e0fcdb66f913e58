"""Auditors' outcomes of findings: `confirmed`, `explained` or `false_alarm`, with a note, who
and when, appended to `dq.finding_dispositions` (never updated: the latest decision counts).

Two ways in: `govdata findings disposition ...` (origin `cli`) and CSV files dropped in the
dispositions folder with the header `finding_id,disposition,note,by,date` (origin
`file:<sha256>`). A file is applied once, by its SHA-256 (the ledger `dq.finding_disposition_files`
remembers it); a bad row rejects the whole file, with its line and reason, and nothing of it is
recorded, so the auditor fixes the file and drops it again.
"""

from __future__ import annotations

import csv
import hashlib
import io
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb

from pipelines.errors import GovdataError
from pipelines.findings.store import DISPOSITIONS, ensure_tables
from pipelines.warehouse import utc_now

HEADER = ("finding_id", "disposition", "note", "by", "date")


class DispositionError(GovdataError):
    """A disposition that cannot be recorded (unknown finding, bad value, bad file)."""


@dataclass(frozen=True)
class Disposition:
    finding_id: str
    disposition: str
    note: str
    decided_by: str
    decided_on: date


def _known(con: duckdb.DuckDBPyConnection) -> set[str]:
    return {row[0] for row in con.execute("select distinct finding_id from dq.findings").fetchall()}


def validate(values: dict[str, str], known: set[str]) -> Disposition:
    """One disposition from its fields, or DispositionError saying what is wrong."""
    finding = (values.get("finding_id") or "").strip()
    kind = (values.get("disposition") or "").strip()
    note = (values.get("note") or "").strip()
    by = (values.get("by") or "").strip()
    when = (values.get("date") or "").strip()
    if finding not in known:
        raise DispositionError(f"finding_id {finding!r} is not a finding of this warehouse")
    if kind not in DISPOSITIONS:
        raise DispositionError(f"disposition {kind!r} is not one of {', '.join(DISPOSITIONS)}")
    if not note:
        raise DispositionError("note is empty: say what the follow-up found")
    if not by:
        raise DispositionError("by is empty: say who decided")
    try:
        decided = date.fromisoformat(when)
    except ValueError:
        raise DispositionError(f"date {when!r} is not a date (YYYY-MM-DD)") from None
    return Disposition(finding, kind, note, by, decided)


def _insert(con: duckdb.DuckDBPyConnection, items: list[Disposition], origin: str) -> None:
    recorded = utc_now()
    con.executemany(
        "insert into dq.finding_dispositions values (?, ?, ?, ?, ?, ?, ?)",
        [[d.finding_id, d.disposition, d.note, d.decided_by, d.decided_on, recorded, origin] for d in items],
    )


def record(con: duckdb.DuckDBPyConnection, finding_id: str, disposition: str, note: str, by: str,
           decided_on: date) -> Disposition:
    """Record one auditor's outcome from the command line."""
    ensure_tables(con)
    item = validate(
        {"finding_id": finding_id, "disposition": disposition, "note": note, "by": by,
         "date": decided_on.isoformat()},
        _known(con),
    )
    _insert(con, [item], "cli")
    return item


def parse_file(data: bytes, name: str, known: set[str]) -> list[Disposition]:
    """Every row of a dispositions file, or DispositionError naming the file, line and reason."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DispositionError(f"{name}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    reader = csv.reader(io.StringIO(text))
    header = next(reader, None)
    if header is None or tuple(h.strip() for h in header) != HEADER:
        raise DispositionError(f"{name}: line 1: header must be {','.join(HEADER)}, found {','.join(header or [])!r}")
    items: list[Disposition] = []
    for row in reader:
        line = reader.line_num
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(HEADER):
            raise DispositionError(f"{name}: line {line}: {len(row)} fields, expected {len(HEADER)}")
        try:
            items.append(validate(dict(zip(HEADER, row, strict=True)), known))
        except DispositionError as exc:
            raise DispositionError(f"{name}: line {line}: {exc}") from None
    return items


def apply_folder(con: duckdb.DuckDBPyConnection, folder: Path) -> dict[str, int | list[str]]:
    """Apply every new dispositions file of `folder` (each once, by SHA-256); bad files are
    rejected whole and recorded with their reason. Returns counts and the rejection reasons."""
    ensure_tables(con)
    applied, rejected, rows = 0, [], 0
    if not folder.exists():
        return {"files_applied": 0, "dispositions": 0, "files_rejected": []}
    seen = {row[0] for row in con.execute("select sha256 from dq.finding_disposition_files").fetchall()}
    known = _known(con)
    for path in sorted(folder.glob("*.csv")):
        data = path.read_bytes()
        digest = hashlib.sha256(data).hexdigest()
        if digest in seen:
            continue
        seen.add(digest)
        try:
            items = parse_file(data, path.name, known)
        except DispositionError as exc:
            con.execute("insert into dq.finding_disposition_files values (?, ?, 'rejected', 0, ?, ?)",
                        [digest, path.name, str(exc), utc_now()])
            rejected.append(str(exc))
            continue
        con.execute("begin transaction")
        try:
            _insert(con, items, f"file:{digest}")
            con.execute("insert into dq.finding_disposition_files values (?, ?, 'applied', ?, null, ?)",
                        [digest, path.name, len(items), utc_now()])
            con.execute("commit")
        except BaseException:
            con.execute("rollback")
            raise
        applied += 1
        rows += len(items)
    return {"files_applied": applied, "dispositions": rows, "files_rejected": rejected}
