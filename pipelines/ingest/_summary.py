"""What an ingest run did (`IngestSummary`) and what the warehouse holds (`department_report`)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import duckdb

STATUSES = ("loaded", "replaced", "unchanged", "duplicate", "deferred", "rejected")


@dataclass
class FileOutcome:
    """One file seen by a run. `unchanged` means the ledger already had these bytes at this
    path: nothing was done and no ledger row was added."""

    file: str
    department: str
    source_table: str | None
    status: str
    rows_read: int = 0
    rows_loaded: int = 0
    rows_quarantined: int = 0
    rows_rejected: int = 0
    reason: str | None = None
    notes: str | None = None
    batch_id: str | None = None
    replaces_batch_id: str | None = None


@dataclass
class DepartmentSummary:
    """Counts of one department in one run."""

    department: str
    files: int = 0
    loaded: int = 0
    replaced: int = 0
    unchanged: int = 0
    duplicate: int = 0
    deferred: int = 0
    rejected: int = 0
    rows_read: int = 0
    rows_loaded: int = 0
    rows_quarantined: int = 0
    rejected_files: list[tuple[str, str]] = field(default_factory=list)
    drift: list[tuple[str, str]] = field(default_factory=list)

    def add(self, outcome: FileOutcome) -> None:
        self.files += 1
        setattr(self, outcome.status, getattr(self, outcome.status) + 1)
        self.rows_read += outcome.rows_read
        self.rows_loaded += outcome.rows_loaded
        self.rows_quarantined += outcome.rows_quarantined
        if outcome.status == "rejected":
            self.rejected_files.append((outcome.file, outcome.reason or ""))
        if outcome.notes and outcome.status in ("loaded", "replaced"):
            self.drift.append((outcome.file, outcome.notes))


@dataclass
class IngestSummary:
    """The outcome of `ingest()`: every file seen and per-department counts."""

    landing: str
    outcomes: list[FileOutcome] = field(default_factory=list)
    warehouse: str = ""

    def listed(self, status: str) -> list[tuple[str, str]]:
        """(file, reason) of every file of this run with `status` (rejected, deferred)."""
        return [(o.file, o.reason or "") for o in self.outcomes if o.status == status]

    @property
    def departments(self) -> dict[str, DepartmentSummary]:
        result: dict[str, DepartmentSummary] = {}
        for outcome in self.outcomes:
            result.setdefault(outcome.department, DepartmentSummary(outcome.department)).add(outcome)
        return dict(sorted(result.items()))

    @property
    def rows_read(self) -> int:
        return sum(o.rows_read for o in self.outcomes)

    @property
    def rows_loaded(self) -> int:
        return sum(o.rows_loaded for o in self.outcomes)

    @property
    def rows_quarantined(self) -> int:
        return sum(o.rows_quarantined for o in self.outcomes)

    def count(self, status: str) -> int:
        return sum(1 for o in self.outcomes if o.status == status)

    def totals(self) -> dict[str, int]:
        """Run totals as plain numbers (an Airflow task's XCom return value)."""
        totals = {"files": len(self.outcomes)}
        totals.update({status: self.count(status) for status in STATUSES})
        totals.update(
            rows_read=self.rows_read,
            rows_loaded=self.rows_loaded,
            rows_quarantined=self.rows_quarantined,
        )
        return totals

    def as_rows(self) -> list[dict[str, Any]]:
        """One dict per department (counts, and rejected files with their reasons)."""
        rows = []
        for dept in self.departments.values():
            row = asdict(dept)
            row["rejected_files"] = "\n".join(f"{f}: {r}" for f, r in dept.rejected_files)
            row["drift"] = "\n".join(f"{f}: {n}" for f, n in dept.drift)
            rows.append(row)
        return rows

    def message(self) -> str:
        """One line for meta.runs."""
        t = self.totals()
        return (
            f"{t['files']} files: {t['loaded']} loaded, {t['replaced']} replaced, "
            f"{t['unchanged']} unchanged, {t['duplicate']} duplicate, {t['deferred']} deferred, "
            f"{t['rejected']} rejected; {t['rows_loaded']} rows loaded, "
            f"{t['rows_quarantined']} quarantined"
        )

    _COLUMNS = ("department", "files", "loaded", "replaced", "unchanged", "duplicate",
                "deferred", "rejected", "rows_loaded", "rows_quarantined")

    def as_table(self) -> str:
        """A plain-text table per department, then the rejected files with reasons."""
        rows = [[str(r[c]) for c in self._COLUMNS] for r in self.as_rows()]
        widths = [max([len(c)] + [len(r[i]) for r in rows]) for i, c in enumerate(self._COLUMNS)]
        lines = ["  ".join(c.ljust(w) for c, w in zip(self._COLUMNS, widths, strict=True))]
        lines += ["  ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)) for r in rows]
        lines.append(self.message())
        if self.warehouse:
            lines.append(f"warehouse: {self.warehouse}")
        for status in ("rejected", "deferred"):
            if self.listed(status):
                lines.append(f"{status} files:")
                lines += [f"  {f}: {r}" for f, r in self.listed(status)]
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.as_table()

    def __rich__(self) -> Any:
        from rich.console import Group
        from rich.table import Table

        table = Table(title=f"ingest of {self.landing}")
        for column in self._COLUMNS:
            table.add_column(column, justify="left" if column == "department" else "right")
        for row in self.as_rows():
            table.add_row(*(str(row[c]) for c in self._COLUMNS))
        parts: list[Any] = [table, self.message()]
        if self.warehouse:
            parts.append(f"warehouse: {self.warehouse}")
        for status in ("rejected", "deferred"):
            if self.listed(status):
                listing = Table(title=f"{status} files")
                listing.add_column("file")
                listing.add_column("reason")
                for file, reason in self.listed(status):
                    listing.add_row(file, reason)
                parts.append(listing)
        return Group(*parts)


_REPORT_SQL = """
with ledger as (
    select * from raw.ingest_ledger
),
replaced as (
    select distinct replaces_batch_id as batch_id from ledger where replaces_batch_id is not null
),
current_batches as (
    select * from ledger
    where status in ('loaded', 'replaced') and batch_id not in (select batch_id from replaced)
),
latest as (
    select * from ledger
    qualify row_number() over (partition by file order by seq desc) = 1
),
departments as (
    select distinct department from ledger
)
select
    d.department,
    (select count(distinct file) from ledger l where l.department = d.department) as files,
    (select count(*) from current_batches c where c.department = d.department) as batches,
    (select coalesce(sum(rows_loaded), 0) from current_batches c
        where c.department = d.department) as rows_loaded,
    (select coalesce(sum(rows_quarantined), 0) from current_batches c
        where c.department = d.department) as rows_quarantined,
    (select count(*) from latest l where l.department = d.department
        and l.status = 'deferred') as deferred,
    (select count(*) from latest l where l.department = d.department
        and l.status = 'duplicate') as duplicates,
    (select count(*) from latest l where l.department = d.department
        and l.status = 'rejected') as rejected,
    (select string_agg(l.file || ': ' || coalesce(l.reason, ''), chr(10) order by l.file)
        from latest l where l.department = d.department and l.status = 'rejected')
        as rejected_files
from departments d
order by d.department
"""


def department_report(con: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    """Per department, what the warehouse holds now: files delivered, current batches, rows
    loaded and quarantined in them, deferred and duplicate files, and every file whose latest
    attempt was rejected with its reason. Works on a read-only connection."""
    present = con.execute(
        "select count(*) from information_schema.tables "
        "where table_schema = 'raw' and table_name = 'ingest_ledger'"
    ).fetchone()
    if not present or not present[0]:
        return []
    cursor = con.execute(_REPORT_SQL)
    names = [d[0] for d in cursor.description]
    return [
        {name: ("" if value is None and name == "rejected_files" else value)
         for name, value in zip(names, row, strict=True)}
        for row in cursor.fetchall()
    ]
