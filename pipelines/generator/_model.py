"""What a source builder hands to the writer: one delivery of one contract, with its truth.

A builder produces the delivered values (all text, as the department's export shows them), the
true entity behind each party of each row, and the defects it injected by row and column. The
writer turns row positions into `_line` values and the file's hash into record ids, so builders
never need to know how a format numbers its rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

import polars as pl

from pipelines.contracts import SourceContract, UpdateCycle

DEFECT_SCHEMA = {
    "__key": pl.Int64,  # the row's key in the delivery frame; null for a whole-file or column defect
    "column": pl.String,  # English column name; null for a whole-row or whole-file defect
    "kind": pl.String,
    "dimension": pl.String,  # GB/T 36344 dimension (规范性, 完整性, 准确性, 一致性, 时效性, 可访问性)
    "expected": pl.String,  # normalised, quarantined, rejected, flagged, merged, kept_apart, passed
    "detail": pl.String,
}
KEY = "__key"
PARTY_PREFIX = "__p_"


def empty_defects() -> pl.DataFrame:
    return pl.DataFrame(schema=DEFECT_SCHEMA)


def party(role: str) -> str:
    """The hidden frame column holding the true entity id of a party role."""
    return f"{PARTY_PREFIX}{role}"


@dataclass
class Delivery:
    """One delivered file of one source.

    Attributes:
        frame: the delivered columns (English contract names, String values as delivered, extra
            columns of a drifted header after them) plus hidden columns: `__key` (unique Int64 per
            row) and `__p_<role>` (true entity id of each party, null when not a known entity).
        defects: injected defects by `__key` (DEFECT_SCHEMA); keys not in the frame are ignored,
            so a source's stored-table defects can be passed to each of its snapshots.
        headers: delivered header per column where it differs from `name_zh`.
        current: whether its rows are records for resolution (latest snapshot, any increment).
        sheets: for XLSX, (sheet name, number of rows) in frame order; one sheet if empty.
        numeric: XLSX columns whose cells hold numbers.
        raw: bytes to write instead of rendering the frame (a file planted to be rejected).
        truncate: write the file, then cut it at 60% of its bytes (also planted to be rejected).
    """

    contract: SourceContract
    delivery_date: date
    file_name: str
    frame: pl.DataFrame
    defects: pl.DataFrame = field(default_factory=empty_defects)
    headers: dict[str, str] = field(default_factory=dict)
    encoding: str | None = None
    bom: bool = False
    title: str | None = None
    sheets: list[tuple[str, int]] = field(default_factory=list)
    numeric: frozenset[str] = frozenset()
    current: bool = True
    replaced: bool = False
    raw: bytes | None = None
    truncate: bool = False  # cut the written file short (an upload that broke off): rejected
    period: date | None = None  # the month an incremental file covers

    @property
    def folder(self) -> str:
        return f"{self.contract.department}/{self.delivery_date.isoformat()}"

    @property
    def relative_path(self) -> str:
        return f"{self.folder}/{self.file_name}"

    @property
    def visible(self) -> pl.DataFrame:
        """The delivered columns only."""
        return self.frame.select([c for c in self.frame.columns if not c.startswith("__")])

    @property
    def roles(self) -> list[str]:
        return [c.removeprefix(PARTY_PREFIX) for c in self.frame.columns if c.startswith(PARTY_PREFIX)]


def delivery_dates(cycle: UpdateCycle, as_of: date, day: int = 5) -> list[date]:
    """Delivery dates in the twelve months before `as_of` for an update cycle.

    Snapshot sources deliver each quarter or at their own longer cycle; shorter cycles deliver one
    file per month (a daily feed is batched monthly by the department), weekly ones every Monday.
    Dates falling on a weekend move to the next Monday, as a clerk sends them.
    """
    start = as_of - timedelta(days=365)
    candidates: list[date] = []
    if cycle is UpdateCycle.WEEKLY:
        d = start + timedelta(days=(7 - start.weekday()) % 7 or 7)
        while d <= as_of:
            candidates.append(d)
            d += timedelta(days=7)
        return candidates
    months = {
        UpdateCycle.QUARTERLY: (1, 4, 7, 10),
        UpdateCycle.YEARLY: (2,),
    }.get(cycle, tuple(range(1, 13)))
    for year in (start.year, start.year + 1):
        for month in months:
            d = _weekday(date(year, month, min(day, 28)))
            if start < d <= as_of:
                candidates.append(d)
    return sorted(candidates)


def _weekday(d: date) -> date:
    return d + timedelta(days=(7 - d.weekday()) % 7) if d.weekday() >= 5 else d


def stamp(d: date) -> str:
    """YYYYMMDD, as departments name files."""
    return d.strftime("%Y%m%d")
