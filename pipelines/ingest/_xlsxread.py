"""A streaming XLSX sheet reader: rows of cell text straight from the sheet XML.

openpyxl builds an object per cell (and in read-only mode cannot see merged cells), which made
workbooks of a few tens of thousands of rows the slowest files of a delivery. This reader
decompresses each sheet once to collect its merged ranges, then streams it again, parsing rows
with regular expressions (the SpreadsheetML cell grammar is small: `<c r= s= t=>` with `<v>`,
`<is><t>`, `<f>`), and converts each value to the text a person reading the sheet would type:

- shared and inline strings as they are (rich-text runs joined, phonetic runs dropped);
- numbers without float artefacts or exponent (`number_text`), integers in the XML kept digit for
  digit; numbers in a date or time format (built-in ids, the CJK date ids 27-36 and 50-58 that
  Chinese Excel writes, or a custom format with date tokens) as ISO dates, datetimes or times;
- booleans TRUE/FALSE, errors as their code (`#N/A`), formula cells by their cached value.

A merged range's value fills every cell of the range.
"""

from __future__ import annotations

import html
import re
import zipfile
from collections.abc import Iterable, Iterator
from datetime import datetime, time, timedelta
from decimal import Decimal
from pathlib import PurePosixPath
from typing import IO

import polars as pl
from openpyxl.styles.numbers import BUILTIN_FORMATS, is_date_format, is_timedelta_format
from openpyxl.utils.datetime import CALENDAR_MAC_1904, CALENDAR_WINDOWS_1900, from_excel

BLOCK = 4 << 20
_P = r"(?:[\w.-]+:)?"  # an optional namespace prefix (`x:c`)
_ROW = re.compile(rf"<{_P}row\b([^>]*?)(?:/>|>(.*?)</{_P}row>)", re.DOTALL)
_CELL = re.compile(rf"<{_P}c\b([^>]*?)(?:/>|>(.*?)</{_P}c>)", re.DOTALL)
_ATTR = re.compile(r"([\w:]+)\s*=\s*\"([^\"]*)\"")
_VALUE = re.compile(rf"<{_P}v>(.*?)</{_P}v>", re.DOTALL)
_INLINE = re.compile(rf"<{_P}is>(.*?)</{_P}is>", re.DOTALL)
_TEXT = re.compile(rf"<{_P}t(?:\s[^>]*)?>(.*?)</{_P}t>|<{_P}t\s*/>", re.DOTALL)
_PHONETIC = re.compile(rf"<{_P}rPh\b.*?</{_P}rPh>", re.DOTALL)
# The common shapes, parsed without a Python call per element: a shared string that is one
# plain `<t>`, and a cell written as Excel writes it (`r`, then `s`, then `t`).
_SI_FAST = re.compile(
    rf"<{_P}si>\s*<{_P}t(?:\s+xml:space=\"preserve\")?>([^<]*)</{_P}t>\s*</{_P}si>"
    rf"|<{_P}si\b[^>]*?(?:/>|>(.*?)</{_P}si>)",
    re.DOTALL,
)
_CELL_FAST = re.compile(
    r'<c r="([A-Z]{1,3})\d+"(?: s="(\d+)")?(?: t="(\w+)")?\s*'
    r"(?:/>|>(?:<f\b[^>]*?(?:/>|>[^<]*</f>))?(?:<v>([^<]*)</v>)?(?:<is>(.*?)</is>)?</c>)",
    re.DOTALL,
)
_SHEET = re.compile(rf"<{_P}sheet\b([^>]*?)/?>", re.DOTALL)
_REL = re.compile(r"<(?:[\w.-]+:)?Relationship\b([^>]*?)/?>", re.DOTALL)
_XF_BLOCK = re.compile(rf"<{_P}cellXfs\b[^>]*>(.*?)</{_P}cellXfs>", re.DOTALL)
_XF = re.compile(rf"<{_P}xf\b([^>]*?)(?:/>|>)", re.DOTALL)
_NUMFMT = re.compile(rf"<{_P}numFmt\b([^>]*?)/?>", re.DOTALL)
_DATE1904 = re.compile(rf"<{_P}workbookPr\b[^>]*\bdate1904\s*=\s*\"(?:1|true)\"", re.DOTALL)
_MERGE = re.compile(rf"<{_P}mergeCell\b[^>]*?\bref\s*=\s*\"([A-Za-z]+\d+)(?::([A-Za-z]+\d+))?\"")
_REF = re.compile(r"([A-Za-z]+)(\d+)")
_ROW_NUMBER = re.compile(r'\br\s*=\s*"(\d+)"')
_CELL_FAST_RUST = (
    r'(?s)<c r="[A-Z]{1,3}\d+"(?: s="\d+")?(?: t="\w+")?\s*'
    r"(?:/>|>(?:<f\b[^>]*?(?:/>|>[^<]*</f>))?(?:<v>[^<]*</v>)?(?:<is>.*?</is>)?</c>)"
)
_SHEETDATA_END = re.compile(rf"</{_P}sheetData\s*>|<{_P}sheetData\s*/>")
_SHEETDATA_CLOSE = re.compile(rb"</(?:[\w.-]+:)?sheetData\s*>|<(?:[\w.-]+:)?sheetData\s*/>")
_INTEGER = re.compile(r"-?\d+")
_ESCAPED_CONTROL = re.compile(r"_x([0-9A-Fa-f]{4})_")

# Built-in number formats that are dates: the standard ones and the East Asian ones (27-36 and
# 50-58 are locale date formats such as yyyy"年"m"月"d"日" in a Chinese Excel).
_DATE_IDS = frozenset(
    [k for k, v in BUILTIN_FORMATS.items() if is_date_format(v)] + [*range(27, 37), *range(50, 59)]
)


class WorkbookError(Exception):
    """The workbook's structure is not what SpreadsheetML promises."""


def column_index(letters: str, cache: dict[str, int] = {}) -> int:  # noqa: B006 - a memo
    """0-based column index of `A`, `AB`, ..."""
    found = cache.get(letters)
    if found is None:
        found = 0
        for ch in letters.upper():
            found = found * 26 + ord(ch) - 64
        found -= 1
        cache[letters] = found
    return found


def number_text(value: float) -> str:
    """A float cell as text without binary artefacts or exponent.

    Examples:
        >>> number_text(12.0), number_text(0.1 + 0.2), number_text(1e-7), number_text(3.71e17)
        ('12', '0.3', '0.0000001', '371000000000000000')
    """
    if value != value or value in (float("inf"), float("-inf")):
        return str(value)
    if value.is_integer():
        if abs(value) < 2**53:
            return str(int(value))
        # Beyond 2**53 a float is not an exact integer: write the digits the file stated
        # (the shortest repr), not the binary value's (3.7150319900101e+17 -> 371503199001010000).
        return format(Decimal(repr(value)), "f")
    text = f"{value:.15g}"
    if "e" in text or "E" in text:
        text = format(Decimal(text), "f")
    return text


def temporal_text(value: datetime | time | timedelta) -> str:
    if isinstance(value, datetime):
        if value.time() == time(0):
            return value.date().isoformat()
        return value.isoformat()
    if isinstance(value, time):
        return value.isoformat()
    return str(value)


def _unescape(text: str) -> str:
    if "&" in text:
        text = html.unescape(text)
    if "_x" in text:
        text = _ESCAPED_CONTROL.sub(lambda m: chr(int(m.group(1), 16)), text)
    return text


def _rich_text(fragment: str) -> str:
    """The text of an `<si>` or `<is>`: every `<t>`, phonetic runs left out."""
    if "rPh" in fragment:
        fragment = _PHONETIC.sub("", fragment)
    return "".join(_unescape(m.group(1) or "") for m in _TEXT.finditer(fragment))


class WorkbookReader:
    """Sheets of an XLSX archive as rows of text."""

    def __init__(self, archive: zipfile.ZipFile) -> None:
        self.archive = archive
        names = set(archive.namelist())
        if "xl/workbook.xml" not in names:
            raise WorkbookError("zip archive is not an XLSX workbook (no xl/workbook.xml)")
        workbook = self._read("xl/workbook.xml")
        self.date1904 = bool(_DATE1904.search(workbook))
        targets = self._relationships("xl/_rels/workbook.xml.rels")
        self.sheets: dict[str, str] = {}
        for match in _SHEET.finditer(workbook):
            attrs = dict(_ATTR.findall(match.group(1)))
            name = html.unescape(attrs.get("name", ""))
            rid = next((v for k, v in attrs.items() if k.endswith(":id") or k == "id"), None)
            target = targets.get(rid or "", (None, ""))[0]
            if target is None or target not in names:
                raise WorkbookError(f"sheet {name!r} has no part in the archive")
            self.sheets[name] = target
        strings_part = next(
            (t for t, kind in targets.values() if kind.endswith("/sharedStrings")), None
        ) or ("xl/sharedStrings.xml" if "xl/sharedStrings.xml" in names else None)
        styles_part = next((t for t, kind in targets.values() if kind.endswith("/styles")), None)
        self._string_series: pl.Series | None = None
        # formula cells with no saved result, per sheet read so far (see `_unsaved_formulas`)
        self.unsaved_formulas: dict[str, int] = {}
        self.strings = self._shared_strings(strings_part) if strings_part in names else []
        self.date_styles = self._date_styles(styles_part) if styles_part in names else {}

    @property
    def sheetnames(self) -> list[str]:
        return list(self.sheets)

    def _read(self, part: str) -> str:
        return self.archive.read(part).decode("utf-8")

    def _relationships(self, part: str) -> dict[str, tuple[str, str]]:
        """rId -> (archive path, relationship type)."""
        try:
            text = self._read(part)
        except KeyError:
            return {}
        found: dict[str, tuple[str, str]] = {}
        for match in _REL.finditer(text):
            attrs = dict(_ATTR.findall(match.group(1)))
            target = attrs.get("Target", "")
            path = target.lstrip("/") if target.startswith("/") else str(
                PurePosixPath("xl") / target
            )
            parts: list[str] = []
            for piece in path.split("/"):
                if piece == "..":
                    if parts:
                        parts.pop()
                elif piece and piece != ".":
                    parts.append(piece)
            found[attrs.get("Id", "")] = ("/".join(parts), attrs.get("Type", ""))
        return found

    @property
    def string_series(self) -> pl.Series:
        """The shared strings as a Series (built once, gathered from by every block)."""
        if self._string_series is None:
            self._string_series = pl.Series(self.strings, dtype=pl.String)
        return self._string_series

    def _shared_strings(self, part: str) -> list[str]:
        text = self._read(part)
        strings = []
        for plain, rich in _SI_FAST.findall(text):
            if rich:
                strings.append(_rich_text(rich))
            elif "&" in plain or "_x" in plain:
                strings.append(_unescape(plain))
            else:
                strings.append(plain)
        return strings

    def _date_styles(self, part: str) -> dict[int, str]:
        """Style index -> `date`, `time` or `duration` for styles whose format is temporal."""
        text = self._read(part)
        custom = {}
        for match in _NUMFMT.finditer(text):
            attrs = dict(_ATTR.findall(match.group(1)))
            if "numFmtId" in attrs:
                custom[int(attrs["numFmtId"])] = html.unescape(attrs.get("formatCode", ""))
        block = _XF_BLOCK.search(text)
        kinds: dict[int, str] = {}
        for index, match in enumerate(_XF.finditer(block.group(1) if block else "")):
            attrs = dict(_ATTR.findall(match.group(1)))
            fmt_id = int(attrs.get("numFmtId", "0") or 0)
            code = custom.get(fmt_id, BUILTIN_FORMATS.get(fmt_id, ""))
            if is_timedelta_format(code):
                kinds[index] = "duration"
            elif fmt_id in _DATE_IDS or (fmt_id not in BUILTIN_FORMATS and is_date_format(code)):
                kinds[index] = "date"
        return kinds

    # -- sheets -----------------------------------------------------------------------------

    def merged_ranges(self, name: str) -> list[tuple[int, int, int, int]]:
        """`(min_row, min_col, max_row, max_col)` of every merged range (1-based). They follow
        the cell data, so the bytes are only scanned for the end of `sheetData` until then."""
        tail = b""
        after = b""
        with self.archive.open(self.sheets[name]) as member:
            while block := member.read(BLOCK):
                if after:
                    after += block
                    continue
                joined = tail + block
                end = _sheetdata_end(joined, _SHEETDATA_CLOSE, b"sheetData", b"<")
                if end is not None:
                    after = joined[end.start() :]
                else:
                    tail = joined[-64:]
        text = after.decode("utf-8")
        return [_range(m.group(1), m.group(2) or m.group(1)) for m in _MERGE.finditer(text)]

    def rows(self, name: str) -> Iterator[tuple[int, list[str | None]]]:
        """`(excel row, cell texts)` of every row that has cells, merged ranges filled."""
        fill: dict[int, dict[int, tuple[int, int]]] = {}
        anchors: dict[tuple[int, int], str | None] = {}
        for min_row, min_col, max_row, max_col in self.merged_ranges(name):
            for row in range(min_row, max_row + 1):
                cells = fill.setdefault(row, {})
                for col in range(min_col, max_col + 1):
                    cells[col - 1] = (min_row, min_col - 1)
        previous = 0
        for number, values in self._raw_rows(name):
            if number <= previous:
                number = previous + 1
            previous = number
            merged = fill.get(number)
            if merged:
                width = max(len(values), max(merged) + 1)
                values += [None] * (width - len(values))
                for col, anchor in merged.items():
                    if anchor == (number, col):
                        anchors[anchor] = values[col]
                for col, anchor in merged.items():
                    if anchor != (number, col):
                        values[col] = anchors.get(anchor)
            yield number, values

    def _merge_fill(self, name: str) -> dict[int, dict[int, tuple[int, int]]]:
        """Row -> {0-based column -> (anchor row, anchor column)} of every merged cell."""
        fill: dict[int, dict[int, tuple[int, int]]] = {}
        for min_row, min_col, max_row, max_col in self.merged_ranges(name):
            for row in range(min_row, max_row + 1):
                cells = fill.setdefault(row, {})
                for col in range(min_col, max_col + 1):
                    cells[col - 1] = (min_row, min_col - 1)
        return fill

    def frames(self, name: str) -> Iterator[pl.DataFrame]:
        """The sheet as frames of rows: `__row` (Excel row number) and `c0`, `c1`, ... (cell
        text by 0-based column), one frame per block of the XML, merged ranges filled.

        Each block's cells are parsed with Polars' regular expressions in one go; a block with
        cells in a shape the vectorised parse does not cover (no `r` attribute, namespace
        prefixes, attributes in an unusual order) is parsed cell by cell instead."""
        fill = self._merge_fill(name)
        anchors: dict[tuple[int, int], str | None] = {}
        self.unsaved_formulas[name] = 0
        for attrs, contents in self._row_blocks(name):
            self.unsaved_formulas[name] += _unsaved_formulas(contents)
            frame = self._vector_block(attrs, contents)
            if frame is None:
                frame = self._python_block(attrs, contents)
            if fill:
                frame = _apply_merges(frame, fill, anchors)
            yield frame

    def _row_blocks(self, name: str) -> Iterator[tuple[list[str], list[str]]]:
        """`(row attributes, row contents)` of the complete rows of each block of the XML."""
        with self.archive.open(self.sheets[name]) as member:
            decoder = _decoder()
            buffer = ""
            while True:
                block = member.read(BLOCK)
                buffer += decoder.decode(block, final=not block)
                end_data = _sheetdata_end(buffer, _SHEETDATA_END, "sheetData", "<")
                limit = end_data.start() if end_data else len(buffer)
                split = _split_rows(buffer, limit, complete=end_data is not None)
                if split is None:
                    found = [(m.group(1), m.group(2) or "", m.end())
                             for m in _ROW.finditer(buffer, 0, limit)]
                    attrs, contents = [a for a, _, _ in found], [c for _, c, _ in found]
                    consumed = found[-1][2] if found else 0
                else:
                    attrs, contents, consumed = split
                if attrs:
                    yield attrs, contents
                if end_data:
                    return
                if not block:
                    raise WorkbookError(f"sheet {name!r}: its XML ends before its data does")
                buffer = buffer[consumed:]

    def _python_block(self, attrs: list[str], contents: list[str]) -> pl.DataFrame:
        numbers: list[int] = []
        rows: list[list[str | None]] = []
        previous = 0
        for attr, content in zip(attrs, contents, strict=True):
            found = _ROW_NUMBER.search(attr)
            number = int(found.group(1)) if found else previous + 1
            previous = number
            numbers.append(number)
            rows.append(self._cells(content))
        return rows_frame(numbers, rows)

    def _vector_block(self, attrs: list[str], contents: list[str]) -> pl.DataFrame | None:
        if any(":c" in c or "<c>" in c for c in contents):
            return None
        rows = pl.DataFrame(
            {"__attrs": attrs, "__content": contents},
            schema={"__attrs": pl.String, "__content": pl.String},
        ).with_columns(
            pl.col("__attrs").str.extract(_ROW_NUMBER.pattern, 1).cast(pl.Int64).alias("__row"),
            pl.col("__content").str.extract_all(_CELL_FAST_RUST).alias("__cell"),
            pl.col("__content").str.count_matches("<c ", literal=True).alias("__expected"),
        )
        if rows["__row"].null_count() or (
            rows["__cell"].list.len() != rows["__expected"]
        ).any():
            return None
        cells = (
            rows.select("__row", "__cell")
            .explode("__cell")
            .drop_nulls("__cell")
            .with_columns(
                pl.col("__cell").str.extract(r'^<c r="([A-Z]{1,3})', 1).alias("__letters"),
                pl.col("__cell").str.extract(r'^<c r="[A-Z]{1,3}\d+" s="(\d+)"', 1)
                .cast(pl.Int64).alias("__style"),
                pl.col("__cell").str.extract(r'^<c r="[A-Z]{1,3}\d+"(?: s="\d+")? t="(\w+)"', 1)
                .alias("__kind"),
                pl.col("__cell").str.extract(r"<v>([^<]*)</v>", 1).alias("__v"),
                pl.col("__cell").str.extract(r"(?s)<is>(.*?)</is>", 1).alias("__inline"),
            )
        )
        if cells.height == 0:
            return pl.DataFrame({"__row": rows["__row"]})
        text = self._vector_values(cells)
        letters = cells["__letters"].unique().to_list()
        positions = {letter: column_index(letter) for letter in letters}
        cells = cells.select(
            "__row",
            pl.col("__letters").replace_strict(positions, return_dtype=pl.Int64).alias("__col"),
            text.alias("__text"),
        )
        width = max(positions.values()) + 1
        wide = cells.pivot(on="__col", index="__row", values="__text", aggregate_function="first")
        # rows without cells (a merged range may still cover them) stay, as empty rows
        wide = rows.select("__row").unique(maintain_order=True).join(wide, on="__row", how="left")
        present = {int(c) for c in wide.columns if c != "__row"}
        return wide.select(
            "__row",
            *(
                (pl.col(str(i)) if i in present else pl.lit(None, dtype=pl.String))
                .cast(pl.String).alias(f"c{i}")
                for i in range(width)
            ),
        ).sort("__row")

    def _vector_values(self, cells: pl.DataFrame) -> pl.Series:
        """The text of every cell of a block, vectorised where the value needs no Python."""
        kind = cells["__kind"]
        value = cells["__v"]
        out = pl.Series("__text", [None] * cells.height, dtype=pl.String)
        shared = kind == "s"
        if shared.any():
            index = value.filter(shared).cast(pl.Int64)
            strings = self.string_series
            out = out.scatter(shared.arg_true(), strings.gather(index))
        date_styles = list(self.date_styles)
        numeric = (kind.is_null() | (kind == "n")) & value.is_not_null()
        dated = numeric & cells["__style"].is_in(date_styles).fill_null(False)
        plain = numeric & ~dated
        if plain.any():
            raw = value.filter(plain).str.strip_chars()
            exact = raw.str.contains(r"^(?:0|-?[1-9][0-9]*)$")
            mapping = {v: self._number(v) for v in raw.filter(~exact).unique().to_list()}
            converted = raw.replace(mapping) if mapping else raw
            out = out.scatter(plain.arg_true(), converted)
        other = ~(shared | plain) & (value.is_not_null() | cells["__inline"].is_not_null())
        if other.any():
            rest = cells.filter(other)
            texts = [
                self._value(
                    {"t": k or "n", "s": str(st or 0)},
                    f"<v>{v}</v>" if v is not None else f"<is>{inline}</is>",
                )
                for k, st, v, inline in rest.select("__kind", "__style", "__v", "__inline").iter_rows()
            ]
            out = out.scatter(other.arg_true(), pl.Series(texts, dtype=pl.String))
        return pl.select(pl.when(out == "").then(None).otherwise(out).alias("__text")).to_series()

    def _raw_rows(self, name: str) -> Iterator[tuple[int, list[str | None]]]:
        previous = 0
        with self.archive.open(self.sheets[name]) as member:
            decoder = _decoder()
            buffer = ""
            done = False
            while not done:
                block = member.read(BLOCK)
                buffer += decoder.decode(block, final=not block)
                if not block:
                    done = True
                end_data = _sheetdata_end(buffer, _SHEETDATA_END, "sheetData", "<")
                limit = end_data.start() if end_data else len(buffer)
                consumed = 0
                for match in _ROW.finditer(buffer, 0, limit):
                    attrs = match.group(1)
                    number_match = re.search(r'\br\s*=\s*"(\d+)"', attrs)
                    number = int(number_match.group(1)) if number_match else previous + 1
                    previous = number
                    yield number, self._cells(match.group(2) or "")
                    consumed = match.end()
                if end_data:
                    return
                buffer = buffer[consumed:]
            raise WorkbookError(f"sheet {name!r}: its XML ends before its data does")

    def _cells(self, content: str) -> list[str | None]:
        found = _CELL_FAST.findall(content)
        if len(found) != content.count("<c ") or "<c>" in content or ":c" in content:
            return self._cells_generic(content)
        values: list[str | None] = []
        strings = self.strings
        dates = self.date_styles
        for letters, style, kind, raw, inline in found:
            position = column_index(letters)
            if position >= len(values):
                values += [None] * (position + 1 - len(values))
            if kind == "s":
                values[position] = strings[int(raw)] or None
            elif (not kind or kind == "n") and not (style and int(style) in dates):
                if not raw:
                    continue
                if raw.isdigit() and (raw[0] != "0" or raw == "0"):
                    values[position] = raw
                else:
                    values[position] = self._number(raw)
            else:
                attrs = {"t": kind or "n", "s": style or "0"}
                body = f"<v>{raw}</v>" if raw or not inline else f"<is>{inline}</is>"
                values[position] = self._value(attrs, body)
        return values

    def _number(self, raw: str) -> str | None:
        raw = raw.strip()
        if not raw:
            return None
        if _INTEGER.fullmatch(raw):
            return str(int(raw))
        return number_text(float(raw))

    def _cells_generic(self, content: str) -> list[str | None]:
        values: list[str | None] = []
        position = 0
        for match in _CELL.finditer(content):
            attrs = dict(_ATTR.findall(match.group(1)))
            ref = attrs.get("r")
            if ref:
                ref_match = _REF.match(ref)
                position = column_index(ref_match.group(1)) if ref_match else position
            if position >= len(values):
                values += [None] * (position + 1 - len(values))
            values[position] = self._value(attrs, match.group(2) or "")
            position += 1
        return values

    def _value(self, attrs: dict[str, str], body: str) -> str | None:
        kind = attrs.get("t", "n")
        if kind == "inlineStr":
            inline = _INLINE.search(body)
            return (_rich_text(inline.group(1)) if inline else None) or None
        found = _VALUE.search(body)
        if found is None:
            return None
        raw = found.group(1)
        if kind == "s":
            text = self.strings[int(raw)]
            return text or None
        if kind in ("str", "e"):
            return _unescape(raw) or None
        if kind == "b":
            return "TRUE" if raw.strip() in ("1", "true") else "FALSE"
        if kind == "d":
            return raw.strip() or None
        raw = raw.strip()
        if not raw:
            return None
        style = self.date_styles.get(int(attrs.get("s", "0") or 0))
        if style is not None:
            value = float(raw)
            if style == "duration":
                return str(timedelta(days=value))
            epoch = CALENDAR_MAC_1904 if self.date1904 else CALENDAR_WINDOWS_1900
            converted = from_excel(value, epoch=epoch)
            return temporal_text(converted) if converted is not None else raw
        if _INTEGER.fullmatch(raw):
            return str(int(raw))
        return number_text(float(raw))


_NO_VALUE = r"\s*(?:<(?:\w+:)?v\s*/>|<(?:\w+:)?v>\s*</(?:\w+:)?v>)?\s*</(?:\w+:)?c>"
_UNSAVED_SHARED = re.compile(r"<(?:\w+:)?f\b[^>]*/>" + _NO_VALUE)
_UNSAVED = re.compile(r"</(?:\w+:)?f>" + _NO_VALUE)


def _unsaved_formulas(contents: list[str]) -> int:
    """Formula cells without a saved result (`<f>...</f></c>`, no `<v>`): a workbook written
    by a program and never opened in a spreadsheet keeps only the formulas, and its cells
    read as empty. Counted so that the ledger can say so."""
    found = 0
    for content in contents:
        if "f>" in content or "<f " in content:
            found += len(_UNSAVED.findall(content)) + len(_UNSAVED_SHARED.findall(content))
    return found


def _sheetdata_end(text, pattern, name, opening):  # noqa: ANN001, ANN202 - str or bytes alike
    """The tag ending `sheetData` in `text` (str or bytes), or None.

    The tag's name is found by plain substring search and the tag's grammar is then matched
    where it opens: a regular expression tried at every position of megabytes of XML (an
    optional namespace prefix makes every word character a candidate start) costs more than
    the rest of reading the sheet."""
    at = text.find(name)
    while at >= 0:
        start = text.rfind(opening, 0, at)
        if start >= 0:
            found = pattern.match(text, start)
            if found is not None:
                return found
        at = text.find(name, at + len(name))
    return None


_ROW_OPEN_END = frozenset(" \t\r\n/>")


def _split_rows(
    buffer: str, limit: int, complete: bool
) -> tuple[list[str], list[str], int] | None:
    """`(attributes, contents, end of the last complete row)` of the rows in `buffer[:limit]`,
    found by splitting at `<row` (string methods, not a regular expression per character).

    None when the XML is not in the plain shape this covers (namespace prefixes, text between
    rows, a row not closed where it should be): the caller then uses the regular expression,
    which defines the result. When `complete` is false the last row may still be cut by the
    block boundary and is left for the next block."""
    region = buffer[:limit]
    if ":row" in region:
        return None
    pieces = region.split("<row")  # what precedes the first row is no row: skipped
    held = "" if complete or len(pieces) == 1 else pieces.pop()
    attrs: list[str] = []
    contents: list[str] = []
    for piece in pieces[1:]:
        if not piece or piece[0] not in _ROW_OPEN_END:
            return None
        close = piece.find(">")
        if close < 0:
            return None
        if piece[close - 1] == "/" and close > 0:
            attrs.append(piece[: close - 1])
            contents.append("")
            rest = piece[close + 1 :]
        else:
            end = piece.find("</row>", close)
            if end < 0:
                return None
            attrs.append(piece[:close])
            contents.append(piece[close + 1 : end])
            rest = piece[end + 6 :]
        if rest.strip():
            return None
    consumed = len(region) - len(held) - (4 if held else 0)
    return attrs, contents, consumed


def row_frames(rows: Iterable[tuple[int, list[str | None]]], size: int) -> Iterator[pl.DataFrame]:
    """`(row number, cell texts)` as frames of `size` rows (`rows_frame`), for readers whose
    rows are already text (legacy `.xls`, HTML, XML Spreadsheet)."""
    numbers: list[int] = []
    block: list[list[str | None]] = []
    for number, values in rows:
        numbers.append(number)
        block.append(values)
        if len(block) == size:
            yield rows_frame(numbers, block)
            numbers, block = [], []
    if block:
        yield rows_frame(numbers, block)


def rows_frame(numbers: list[int], rows: list[list[str | None]]) -> pl.DataFrame:
    """`__row` and `c0`, `c1`, ... (cell text by 0-based column), rows padded to the widest."""
    width = max((len(r) for r in rows), default=0)
    padded = [r + [None] * (width - len(r)) for r in rows]
    frame = pl.DataFrame(padded, schema={f"c{i}": pl.String for i in range(width)}, orient="row")
    return frame.with_columns(pl.Series("__row", numbers, dtype=pl.Int64)).select(
        "__row", *(f"c{i}" for i in range(width))
    )


def _apply_merges(
    frame: pl.DataFrame,
    fill: dict[int, dict[int, tuple[int, int]]],
    anchors: dict[tuple[int, int], str | None],
) -> pl.DataFrame:
    """Fill merged ranges (in Python: only the rows that have merged cells)."""
    merged_rows = [r for r in frame["__row"].to_list() if r in fill]
    if not merged_rows:
        return frame
    touched = frame.filter(pl.col("__row").is_in(merged_rows))
    numbers = touched["__row"].to_list()
    rows = [list(r[1:]) for r in touched.iter_rows()]
    for number, values in zip(numbers, rows, strict=True):
        cells = fill[number]
        width = max(len(values), max(cells) + 1)
        values += [None] * (width - len(values))
        for col, anchor in cells.items():
            if anchor == (number, col):
                anchors[anchor] = values[col]
        for col, anchor in cells.items():
            if anchor != (number, col):
                values[col] = anchors.get(anchor)
    rebuilt = rows_frame(numbers, rows)
    kept = frame.filter(~pl.col("__row").is_in(merged_rows))
    return pl.concat([kept, rebuilt], how="diagonal").sort("__row")


def _decoder():  # noqa: ANN202 - an incremental UTF-8 decoder
    import codecs

    return codecs.getincrementaldecoder("utf-8")(errors="strict")


def _range(first: str, last: str) -> tuple[int, int, int, int]:
    a, b = _REF.match(first), _REF.match(last)
    assert a is not None and b is not None
    r1, c1 = int(a.group(2)), column_index(a.group(1)) + 1
    r2, c2 = int(b.group(2)), column_index(b.group(1)) + 1
    return min(r1, r2), min(c1, c2), max(r1, r2), max(c1, c2)


def open_workbook(handle: IO[bytes]) -> WorkbookReader:
    """Open an XLSX archive; raises zipfile/zlib errors or WorkbookError when damaged."""
    return WorkbookReader(zipfile.ZipFile(handle))


__all__ = [
    "WorkbookError",
    "WorkbookReader",
    "number_text",
    "open_workbook",
    "row_frames",
    "rows_frame",
    "temporal_text",
]
