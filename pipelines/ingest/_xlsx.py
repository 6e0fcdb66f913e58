"""XLSX workbooks (and legacy `.xls` ones, through `_xlsread`): the contract's sheets, the header
found under title rows, cells as text.

Cells become the text a person reading the sheet would type (see `_xlsxread`): integral numbers
as plain digits (no `.0`, no exponent), other numbers at Excel's 15 significant digits without
float artefacts (`0.1 + 0.2` reads `0.3`) and without exponent, dates as ISO text, booleans as
TRUE/FALSE. A merged cell's value fills every cell of its range. `_line` is `<sheet>!<row>` with
Excel's 1-based row number. Cells right of the header land in `_extras` under their column
letter. A workbook that cannot be opened or read to the end is rejected as damaged.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Protocol
from itertools import islice
from pathlib import Path

import polars as pl
from openpyxl.utils import get_column_letter

from pipelines.contracts import SourceContract
from pipelines.ingest._errors import FallBack, FileRejected
from pipelines.ingest._headers import (
    HEADER_SEARCH_ROWS,
    HeaderLookup,
    HeaderMap,
    find_header,
    header_lookup,
    map_header,
)
from pipelines.ingest._rows import Chunk, RowSpec, finish
from pipelines.ingest._xlsread import open_legacy_workbook
from pipelines.ingest._xlsxread import WorkbookError, number_text, open_workbook

CHUNK_ROWS = 20_000

__all__ = ["XlsxSource", "number_text"]


class Workbook(Protocol):
    """Sheets of rows of text, whatever the file format (`WorkbookReader` and its kin)."""

    unsaved_formulas: dict[str, int]

    @property
    def sheetnames(self) -> list[str]: ...

    def rows(self, name: str) -> Iterator[tuple[int, list[str | None]]]: ...

    def frames(self, name: str) -> Iterator[pl.DataFrame]: ...


@dataclass
class SheetPlan:
    """A sheet to load and its header."""

    name: str
    header_row: int  # 1-based Excel row of the header
    header: HeaderMap


class XlsxSource:
    """Reads the data sheets of a workbook in chunks: an XLSX workbook, or with `legacy` an
    Excel 97-2003 `.xls` one (`_xlsread`), or a `book` already read (`_markup`): each offers
    the same sheets of text."""

    def __init__(
        self,
        path: Path,
        contract: SourceContract,
        legacy: bool = False,
        book: Workbook | None = None,
        format: str | None = None,  # noqa: A002 - the ledger's word for it
    ) -> None:
        self.path = path
        self.contract = contract
        self.format = format or ("xls" if legacy else "xlsx")
        self.notes: list[str] = []
        self._handle = path.open("rb")
        try:
            if book is not None:
                self.book: Workbook = book
            else:
                self.book = open_legacy_workbook(self._handle) if legacy else open_workbook(self._handle)
            self.sheets = self._plan()
        except FileRejected:
            self.close()
            raise
        except Exception as exc:  # noqa: BLE001 - zipfile, zlib, XML, BIFF: the file is damaged
            self.close()
            raise _damaged(exc, self.format) from None

    def close(self) -> None:
        self._handle.close()

    def _plan(self) -> list[SheetPlan]:
        names = self.book.sheetnames
        wanted = [s for s in self.contract.sheets if s in names]
        absent = [s for s in self.contract.sheets if s not in names]
        if absent:
            self.notes.append(f"sheets missing from the workbook: {', '.join(absent)}")
        lookup = header_lookup(self.contract)
        plans = self._headed(wanted, lookup)
        explicit = bool(plans)
        if not plans:
            # no sheet the contract names, or they hold only a cover note or instructions:
            # the data is wherever a header row is
            plans = self._headed([n for n in names if n not in wanted], lookup)
        if not plans:
            raise FileRejected(
                f"no sheet has a header row naming a column of {self.contract.source} "
                f"(sheets: {', '.join(names)})"
            )
        for plan in plans:
            if plan.header.missing_required:
                raise FileRejected(
                    f"sheet {plan.name!r}: required columns missing: "
                    f"{', '.join(plan.header.missing_required)}",
                    rows_read=sum(self._count(p) for p in plans),
                )
            self.notes.extend(plan.header.notes)
        if not explicit and self.contract.sheets:
            self.notes.append(f"read sheets {', '.join(p.name for p in plans)} by their header")
        return plans

    def _headed(self, names: list[str], lookup: HeaderLookup) -> list[SheetPlan]:
        """A plan for each of these sheets that has a header row; a note for each that has not."""
        plans: list[SheetPlan] = []
        for name in names:
            head = list(islice(self.book.rows(name), HEADER_SEARCH_ROWS))
            index, score = find_header([values for _, values in head], lookup)
            if score == 0:
                self.notes.append(f"sheet {name!r} has no header row; not read")
                continue
            header = map_header(
                ["" if c is None else c for c in head[index][1]],
                self.contract,
                blank_key=lambda i: get_column_letter(i + 1),
            )
            header.notes = [f"sheet {name!r}: {n}" for n in header.notes]
            above = sum(1 for _, values in head[:index] if not _blank(values))
            if above:
                header.notes.append(f"sheet {name!r}: {above} row(s) above the header skipped")
            plans.append(SheetPlan(name, head[index][0], header))
        return plans

    def _count(self, plan: SheetPlan) -> int:
        return sum(
            1 for number, values in self.book.rows(plan.name)
            if number > plan.header_row and not _blank(values)
        )

    def chunks(self) -> Iterator[Chunk]:
        try:
            for plan in self.sheets:
                for block in self.book.frames(plan.name):
                    block = block.filter(pl.col("__row") > plan.header_row)
                    cells = [c for c in block.columns if c != "__row"]
                    if not cells or block.height == 0:
                        continue
                    blank = pl.all_horizontal(
                        pl.col(c).is_null() | (pl.col(c).str.strip_chars() == "") for c in cells
                    )
                    block = block.filter(~blank)
                    if block.height:
                        yield self._chunk(plan, block)
                unsaved = self.book.unsaved_formulas.get(plan.name, 0)
                if unsaved:
                    self.notes.append(
                        f"sheet {plan.name!r}: {unsaved} formula cell(s) have no saved result (a "
                        "workbook written by a program, never recalculated) and read as empty"
                    )
        except (FileRejected, FallBack):
            raise
        except Exception as exc:  # noqa: BLE001 - a member that breaks off mid-way
            raise _damaged(exc, self.format) from None

    def _chunk(self, plan: SheetPlan, block: pl.DataFrame) -> Chunk:
        """Rows of a sheet block as contract columns, extras and lineage."""
        header = plan.header
        width = header.width
        span = max(width, len(block.columns) - 1)
        block = block.with_columns(
            pl.lit(None, dtype=pl.String).alias(f"c{i}")
            for i in range(span) if f"c{i}" not in block.columns
        )
        overflow = [i for i in range(width, span) if block[f"c{i}"].null_count() < block.height]
        selected: list[pl.Expr] = []
        extra_keys: dict[str, str] = {}
        for position in list(range(width)) + overflow:
            target = header.targets[position] if position < width else None
            name = target or f"__x{position}"
            selected.append(pl.col(f"c{position}").alias(name))
            if target is None:
                extra_keys[name] = (
                    header.extra_keys[position] if position < width
                    else get_column_letter(position + 1)
                )
        frame = block.select(
            *selected,
            pl.concat_str(pl.lit(f"{plan.name}!"), pl.col("__row").cast(pl.String)).alias("_line"),
            pl.int_range(pl.len(), dtype=pl.Int64).alias("__position"),
        )
        spec = RowSpec(
            contract=self.contract,
            extra_keys=extra_keys,
            header_values={t: header.fields[i] for i, t in header.mapped().items()}
            if len(header.mapped()) > 1 else {},
        )
        cell_columns = [f"c{i}" for i in range(span)]

        def raw_text(bad: pl.DataFrame) -> list[str]:
            rows = block.select(cell_columns)
            return [
                json.dumps(_trim(list(rows.row(i))), ensure_ascii=False)
                for i in bad["__position"].to_list()
            ]

        return finish(frame, spec, raw_text=raw_text)


def _damaged(exc: Exception, kind: str) -> FileRejected:
    if isinstance(exc, WorkbookError):
        return FileRejected(str(exc))
    what = {"xlsx": "XLSX", "xls": "legacy Excel 97-2003 workbook (.xls)"}.get(kind, kind)
    return FileRejected(f"{what} is damaged or truncated: {type(exc).__name__}: {exc}")


def _blank(row: Sequence[str | None]) -> bool:
    return all(v is None or (isinstance(v, str) and not v.strip()) for v in row)


def _trim(row: list[str | None]) -> list[str | None]:
    end = len(row)
    while end and row[end - 1] is None:
        end -= 1
    return row[:end]
