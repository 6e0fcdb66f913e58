"""Legacy Excel 97-2003 workbooks (`.xls`, BIFF8 in an OLE2 container), read with xlrd.

Departments running older office suites (and WPS, which still saves `.xls` by default in many
offices) deliver these. The reader offers the same sheets-of-text interface as the XLSX reader
(`_xlsxread.WorkbookReader`), so the XLSX source finds the header, maps the contract, fills
merged cells and checks rows the same way; cell values become the same text: numbers without
float artefacts or exponent (`number_text`), dates as ISO text in the workbook's date system,
booleans as TRUE/FALSE, error cells as Excel shows them (`#N/A`). A `.xls` sheet holds at most
65,536 rows, so xlrd's reading the whole workbook into memory is bounded.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import IO, Any

import polars as pl
import xlrd

from pipelines.ingest._xlsxread import number_text, row_frames, temporal_text

# Rows per frame handed to the XLSX source.
FRAME_ROWS = 20_000


class LegacyWorkbook:
    """Sheets of an `.xls` workbook as rows of text (the interface of `WorkbookReader`)."""

    def __init__(self, content: bytes) -> None:
        # formatting_info: merged ranges are only read with it; logfile: xlrd reports oddities
        # it survives on stdout otherwise
        self.book = xlrd.open_workbook(
            file_contents=content, formatting_info=True, on_demand=True, logfile=_Quiet()
        )
        self.unsaved_formulas: dict[str, int] = {}  # a BIFF file always saves formula results

    @property
    def sheetnames(self) -> list[str]:
        return list(self.book.sheet_names())

    def rows(self, name: str) -> Iterator[tuple[int, list[str | None]]]:
        """`(excel row, cell texts)` of every row, merged ranges filled from their top-left cell."""
        sheet = self.book.sheet_by_name(name)
        fill: dict[tuple[int, int], tuple[int, int]] = {}
        for row_lo, row_hi, col_lo, col_hi in sheet.merged_cells:
            for row in range(row_lo, row_hi):
                for col in range(col_lo, col_hi):
                    if (row, col) != (row_lo, col_lo):
                        fill[(row, col)] = (row_lo, col_lo)
        for row in range(sheet.nrows):
            values = [self._text(cell) for cell in sheet.row(row)]
            for col in range(len(values)):
                anchor = fill.get((row, col))
                if anchor is not None:
                    values[col] = self._text(sheet.cell(*anchor))
            yield row + 1, values

    def frames(self, name: str) -> Iterator[pl.DataFrame]:
        """The sheet as frames of `__row` (Excel row number) and `c0`, `c1`, ... (cell text)."""
        return row_frames(self.rows(name), FRAME_ROWS)

    def _text(self, cell: Any) -> str | None:
        kind, value = cell.ctype, cell.value
        if kind in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK):
            return None
        if kind == xlrd.XL_CELL_TEXT:
            return value or None
        if kind == xlrd.XL_CELL_NUMBER:
            return number_text(float(value))
        if kind == xlrd.XL_CELL_DATE:
            try:
                return temporal_text(xlrd.xldate.xldate_as_datetime(value, self.book.datemode))
            except (xlrd.xldate.XLDateError, OverflowError, ValueError):
                return number_text(float(value))  # a date format on a number no date has
        if kind == xlrd.XL_CELL_BOOLEAN:
            return "TRUE" if value else "FALSE"
        if kind == xlrd.XL_CELL_ERROR:
            return xlrd.error_text_from_code.get(value, f"#ERROR{value}")
        return str(value)


class _Quiet:
    """A logfile that keeps xlrd's warnings about survivable oddities out of the output."""

    def write(self, text: str) -> int:
        return len(text)

    def flush(self) -> None:
        pass


def open_legacy_workbook(handle: IO[bytes]) -> LegacyWorkbook:
    """Open an `.xls` workbook; raises xlrd's errors when it is damaged or not a workbook."""
    return LegacyWorkbook(handle.read())


__all__ = ["LegacyWorkbook", "open_legacy_workbook"]
