"""Write delivered files the way departments produce them, and report where each row landed.

Every writer returns the SHA-256 of the bytes actually written and the `_line` of each data row in
the ingest's numbering (CSV: 1-based physical line where the record starts, header = 1, a title
row shifts it; XLSX: `<sheet>!<row>`; JSON, JSON Lines, GeoJSON: 1-based element index), because
truth record ids are built from both.
"""

from __future__ import annotations

import hashlib
import io
import json
import shutil
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl


@dataclass(frozen=True)
class Written:
    """A file on disk: its path, SHA-256 and the `_line` of every data row in frame order."""

    path: Path
    sha256: str
    lines: pl.Series


def _store(path: Path, data: bytes) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return hashlib.sha256(data).hexdigest()


def _encode(text: str, encoding: str, bom: bool) -> bytes:
    """Encode as the department's system does; GBK systems turn unknown characters into '?'."""
    data = text.encode(encoding, errors="replace")
    return (b"\xef\xbb\xbf" + data) if bom and encoding.replace("-", "").lower() == "utf8" else data


CSV_CHUNK_ROWS = 100_000


def write_csv(
    frame: pl.DataFrame,
    path: Path,
    *,
    encoding: str,
    bom: bool = False,
    title: str | None = None,
    separator: str = ",",
    sentinel: str | None = None,
) -> Written:
    """CSV with the frame's column names as header; `title` adds a line above it.

    Written in chunks of rows, each encoded on its own, so a county-size extract never sits in
    memory as one Python string. A `sentinel` character in a value becomes an unquoted
    separator: the row a clerk broke by typing a comma into a field of a system that does not
    quote. Characters the encoding cannot hold become '?', as GBK exports do.
    """
    codec = encoding.lower().replace("_", "-")
    with_bom = bom or codec == "utf-8-sig"
    codec = "utf-8" if codec == "utf-8-sig" else codec
    digest = hashlib.sha256()
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as out:

        def put(data: bytes) -> None:
            digest.update(data)
            out.write(data)

        if with_bom:
            put(b"\xef\xbb\xbf")
        if title:
            put(f"{title}\n".encode(codec, errors="replace"))
        for start in range(0, max(frame.height, 1), CSV_CHUNK_ROWS):
            chunk = frame.slice(start, CSV_CHUNK_ROWS)
            text = chunk.write_csv(separator=separator, quote_style="necessary", null_value="",
                                   include_header=start == 0)
            if sentinel is not None and sentinel in text:
                text = text.replace(sentinel, separator)
            put(text.encode(codec, errors="replace"))
    header_line = 2 if title else 1
    embedded = _line_breaks(frame)
    starts = header_line + 1 + np.arange(frame.height) + np.concatenate([[0], np.cumsum(embedded)[:-1]]).astype(np.int64)
    return Written(path, digest.hexdigest(), pl.Series("_line", starts[: frame.height]).cast(pl.String))


def _line_breaks(frame: pl.DataFrame) -> np.ndarray:
    """Line breaks inside each row's values (a quoted field spans physical lines)."""
    text = [pl.col(n).str.count_matches("\n", literal=True).fill_null(0).cast(pl.Int64)
            for n in frame.columns if frame.schema[n] == pl.String]
    if not text or frame.height == 0:
        return np.zeros(frame.height, dtype=np.int64)
    return frame.select(pl.sum_horizontal(text)).to_series().to_numpy().astype(np.int64)


def write_json(frame: pl.DataFrame, path: Path, *, lines: bool, encoding: str = "utf-8") -> Written:
    """A JSON array of objects, or JSON Lines; nulls are written as JSON null."""
    if lines:
        text = frame.write_ndjson()
    else:
        records = frame.to_dicts()
        text = json.dumps(records, ensure_ascii=False, indent=1) + "\n"
    sha = _store(path, _encode(text, encoding, False))
    return Written(path, sha, pl.Series("_line", np.arange(1, frame.height + 1)).cast(pl.String))


def write_geojson(
    properties: pl.DataFrame, geometries: list[dict[str, object]], path: Path, name: str
) -> Written:
    """A GeoJSON FeatureCollection (WGS 84 longitude/latitude, as natural resources exports it)."""
    props = properties.to_dicts()
    features = [
        {"type": "Feature", "properties": p, "geometry": g}
        for p, g in zip(props, geometries, strict=True)
    ]
    doc = {"type": "FeatureCollection", "name": name, "features": features}
    text = json.dumps(doc, ensure_ascii=False, separators=(",", ":")) + "\n"
    sha = _store(path, text.encode("utf-8"))
    return Written(path, sha, pl.Series("_line", np.arange(1, len(features) + 1)).cast(pl.String))


@dataclass(frozen=True)
class Sheet:
    """One worksheet: its rows, an optional title row merged across the header, the header row.

    In columns named in `numeric`, values that are plain numbers are number cells (amounts, or a
    date Excel stored as its serial number); everything else is a text cell, as exports write them.
    """

    name: str
    frame: pl.DataFrame
    title: str | None = None
    numeric: frozenset[str] = frozenset()


NUMBER = r"^-?[0-9]+(\.[0-9]+)?$"
_XML_ESCAPES = (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"), ('"', "&quot;"))
_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
    '<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
    "{sheets}</Types>"
)
_SHEET_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
_ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
    "</Relationships>"
)
_STYLES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    '<fonts count="1"><font><sz val="11"/><name val="宋体"/></font></fonts>'
    '<fills count="1"><fill><patternFill patternType="none"/></fill></fills>'
    '<borders count="1"><border/></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/></cellXfs>'
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    "</styleSheet>"
)
_NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
_REL_NS = 'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'


def _column_letters(n: int) -> list[str]:
    out = []
    for i in range(n):
        name, k = "", i + 1
        while k:
            k, r = divmod(k - 1, 26)
            name = chr(65 + r) + name
        out.append(name)
    return out


def _xml_text(expr: pl.Expr) -> pl.Expr:
    for raw, escaped in _XML_ESCAPES:
        expr = expr.str.replace_all(raw, escaped, literal=True)
    return expr


def write_xlsx(sheets: list[Sheet], path: Path) -> Written:
    """An XLSX workbook with shared strings, built column-wise (no per-row Python loop).

    `_line` is `<sheet>!<row>` with Excel's 1-based row numbers. A sheet with a title writes it in
    row 1 merged across the header's width (as clerks do), so the header is row 2 and data starts
    at row 3. Zip member times are fixed so that a seed gives the same bytes.
    """
    # Headers and titles first, so their shared-string positions are the first ones.
    labels = [h for sheet in sheets for h in [*sheet.frame.columns, *([sheet.title] if sheet.title else [])]]
    strings: list[pl.Series] = [pl.Series(labels, dtype=pl.String)]
    for sheet in sheets:
        for name in sheet.frame.columns:
            values = sheet.frame[name].drop_nulls()
            if name in sheet.numeric:
                values = values.filter(~values.str.contains(NUMBER))
            strings.append(values)
    table = pl.concat(strings).unique(maintain_order=True) if strings else pl.Series([], dtype=pl.String)
    index = pl.DataFrame({"value": table, "sst": pl.int_range(table.len(), eager=True)})
    first_seen = {v: i for i, v in enumerate(table.head(len(labels)).to_list())}
    files: dict[str, str] = {}
    lines: list[pl.Series] = []
    for number, sheet in enumerate(sheets, start=1):
        xml, sheet_lines = _sheet_xml(sheet, index, first_seen)
        files[f"xl/worksheets/sheet{number}.xml"] = xml
        lines.append(sheet_lines)
    sst_body = "".join(
        pl.select(
            pl.concat_str(pl.lit('<si><t xml:space="preserve">'), _xml_text(pl.lit(table)), pl.lit("</t></si>"))
        ).to_series().to_list()) if table.len() else ""
    files["xl/sharedStrings.xml"] = (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<sst {_NS} '
        f'count="{table.len()}" uniqueCount="{table.len()}">{sst_body}</sst>'
    )
    files.update(_package_parts([s.name for s in sheets]))
    n = len(sheets)
    order = ["[Content_Types].xml", "_rels/.rels", "xl/workbook.xml", "xl/_rels/workbook.xml.rels",
             "xl/styles.xml", "xl/sharedStrings.xml"] + [f"xl/worksheets/sheet{i}.xml" for i in range(1, n + 1)]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        for name in order:
            info = zipfile.ZipInfo(name, date_time=(2000, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, files[name].encode("utf-8"), compresslevel=1)
    sha = _store(path, buffer.getvalue())
    all_lines = pl.concat(lines) if lines else pl.Series([], dtype=pl.String)
    return Written(path, sha, all_lines.alias("_line"))


def _package_parts(sheet_names: list[str]) -> dict[str, str]:
    """The workbook's small members: content types, relationships, workbook and styles."""
    sheet_entries = "".join(
        f'<sheet name="{_escape(name)}" sheetId="{i}" r:id="rId{i}"/>' for i, name in enumerate(sheet_names, 1))
    files = {"xl/workbook.xml": (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<workbook {_NS} {_REL_NS}>'
        f"<sheets>{sheet_entries}</sheets></workbook>"
    )}
    n = len(sheet_names)
    rels = "".join(
        f'<Relationship Id="rId{i}" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        f'relationships/worksheet" Target="worksheets/sheet{i}.xml"/>' for i in range(1, n + 1))
    rels += (
        f'<Relationship Id="rId{n + 1}" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        f'relationships/styles" Target="styles.xml"/>'
        f'<Relationship Id="rId{n + 2}" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        f'relationships/sharedStrings" Target="sharedStrings.xml"/>'
    )
    files["xl/_rels/workbook.xml.rels"] = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">{rels}</Relationships>'
    )
    files["xl/styles.xml"] = _STYLES
    files["_rels/.rels"] = _ROOT_RELS
    overrides = "".join(
        f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="{_SHEET_TYPE}"/>'
        for i in range(1, n + 1))
    files["[Content_Types].xml"] = _CONTENT_TYPES.format(sheets=overrides)
    return files


def _escape(text: str) -> str:
    for raw, escaped in _XML_ESCAPES:
        text = text.replace(raw, escaped)
    return text


def _sheet_xml(sheet: Sheet, index: pl.DataFrame, header_sst: dict[str, int]) -> tuple[str, pl.Series]:
    """The worksheet XML and the `_line` of each data row."""
    frame = sheet.frame
    head, first, tail = _sheet_frame(sheet.frame.columns, sheet.title, header_sst)
    body, line = _rows_xml(frame, sheet.name, first + 1, index, sheet.numeric)
    return head + body + tail, line


def _sheet_frame(columns: list[str], title: str | None, header_sst: dict[str, int]) -> tuple[str, int, str]:
    """What surrounds a worksheet's data rows: XML up to and including the header row (and the
    title row above it), the header's row number, and the closing XML with the title's merge."""
    letters = _column_letters(max(len(columns), 1))
    first = 2 if title else 1
    header_cells = "".join(
        f'<c r="{letters[j]}{first}" t="s"><v>{header_sst[h]}</v></c>' for j, h in enumerate(columns))
    parts = []
    merge = ""
    if title:
        parts.append(f'<row r="1"><c r="A1" t="s"><v>{header_sst[title]}</v></c></row>')
        if len(columns) > 1:
            merge = f'<mergeCells count="1"><mergeCell ref="A1:{letters[len(columns) - 1]}1"/></mergeCells>'
    parts.append(f'<row r="{first}">{header_cells}</row>')
    head = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet {_NS}><sheetData>'
            + "".join(parts))
    return head, first, f"</sheetData>{merge}</worksheet>"


def _rows_xml(frame: pl.DataFrame, sheet_name: str, start: int, index: pl.DataFrame,
              numeric: frozenset[str]) -> tuple[str, pl.Series]:
    """Data rows numbered from `start`, cells referring to `index` (value -> shared-string
    position, which must hold every text value of the frame), and each row's `_line`."""
    letters = _column_letters(max(len(frame.columns), 1))
    rows = pl.int_range(start, start + frame.height, eager=True).cast(pl.String)
    cells = []
    work = frame.with_columns(__r=rows)
    for j, name in enumerate(frame.columns):
        ref = pl.concat_str(pl.lit(f'<c r="{letters[j]}'), pl.col("__r"), pl.lit('"'))
        sst = pl.col(name).replace_strict(index["value"], index["sst"], default=None).cast(pl.String)
        cell = pl.concat_str(ref, pl.lit(' t="s"><v>'), sst, pl.lit("</v></c>"))
        if name in numeric:
            number = pl.concat_str(ref, pl.lit("><v>"), pl.col(name), pl.lit("</v></c>"))
            cell = pl.when(pl.col(name).str.contains(NUMBER)).then(number).otherwise(cell)
        cells.append(pl.when(pl.col(name).is_not_null()).then(cell).otherwise(pl.lit("")))
    body = ""
    if frame.height:
        rendered = work.select(
            pl.concat_str([pl.lit('<row r="'), pl.col("__r"), pl.lit('">'), *cells, pl.lit("</row>")])
        ).to_series()
        body = "".join(rendered.to_list())
    line = pl.select(pl.concat_str(pl.lit(f"{sheet_name}!"), rows)).to_series()
    return body, line


# --- Files written in parts (a sharded run appends each shard's rows to the same file) -----------

class CsvStream:
    """A CSV file written in parts: BOM, title and header with the first part, rows appended,
    the SHA-256 kept running. One part gives the bytes `write_csv` writes for the same frame;
    several parts give the bytes of their concatenation."""

    def __init__(self, path: Path, *, encoding: str, bom: bool = False, title: str | None = None,
                 separator: str = ",", sentinel: str | None = None) -> None:
        codec = encoding.lower().replace("_", "-")
        self.with_bom = bom or codec == "utf-8-sig"
        self.codec = "utf-8" if codec == "utf-8-sig" else codec
        self.path, self.title, self.separator, self.sentinel = path, title, separator, sentinel
        self.digest = hashlib.sha256()
        self.next_line = 0  # physical line of the next data row; 0 until the header is written

    def _put(self, out: io.BufferedWriter, text: str) -> None:
        if self.sentinel is not None and self.sentinel in text:
            text = text.replace(self.sentinel, self.separator)
        data = text.encode(self.codec, errors="replace")
        self.digest.update(data)
        out.write(data)

    def append(self, frame: pl.DataFrame) -> pl.Series:
        """Write the rows of `frame` and return the `_line` of each."""
        first = self.next_line == 0
        if first:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.open("wb" if first else "ab") as out:
            if first:
                if self.with_bom:
                    self.digest.update(b"\xef\xbb\xbf")
                    out.write(b"\xef\xbb\xbf")
                if self.title:
                    self._put(out, f"{self.title}\n")
                self._put(out, frame.head(0).write_csv(separator=self.separator, include_header=True))
                self.next_line = 3 if self.title else 2
            for start in range(0, frame.height, CSV_CHUNK_ROWS):
                chunk = frame.slice(start, CSV_CHUNK_ROWS)
                self._put(out, chunk.write_csv(separator=self.separator, quote_style="necessary",
                                               null_value="", include_header=False))
        embedded = _line_breaks(frame)
        lines = self.next_line + np.arange(frame.height) + np.concatenate([[0], np.cumsum(embedded)[:-1]]).astype(np.int64)
        self.next_line += frame.height + int(embedded.sum())
        return pl.Series("_line", lines[: frame.height]).cast(pl.String)

    def close(self) -> str:
        return self.digest.hexdigest()


class JsonStream:
    """A JSON array (indented as `write_json` writes it) or JSON Lines file written in parts."""

    def __init__(self, path: Path, *, lines: bool, encoding: str = "utf-8") -> None:
        self.path, self.lines, self.encoding = path, lines, encoding
        self.digest = hashlib.sha256()
        self.count = 0
        self.started = False

    def _put(self, text: str) -> None:
        data = _encode(text, self.encoding, False)
        self.digest.update(data)
        mode = "ab" if self.started else "wb"
        if not self.started:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.started = True
        with self.path.open(mode) as out:
            out.write(data)

    def append(self, frame: pl.DataFrame) -> pl.Series:
        if self.lines:
            if frame.height or not self.started:
                self._put(frame.write_ndjson())
        elif frame.height:
            # json.dumps(rows, indent=1) is "[\n" + the rows joined by ",\n" + "\n]".
            body = json.dumps(frame.to_dicts(), ensure_ascii=False, indent=1)[2:-2]
            self._put(("[\n" if self.count == 0 else ",\n") + body)
        lines = pl.Series("_line", np.arange(self.count + 1, self.count + frame.height + 1)).cast(pl.String)
        self.count += frame.height
        return lines

    def close(self) -> str:
        if not self.lines:
            self._put("\n]\n" if self.count else "[]\n")
        elif not self.started:
            self._put("")
        return self.digest.hexdigest()


@dataclass
class _SheetPart:
    """A worksheet being written: its rows so far in a scratch file, and the next row number."""

    name: str
    scratch: Path
    next_row: int
    tail: str


class XlsxStream:
    """An XLSX workbook written in parts.

    Each part's rows go to a scratch file per worksheet as they come and the shared-string table
    grows with each part's new values (headers and titles first, as `write_xlsx` orders them);
    `close` assembles the archive with the same members and fixed times as `write_xlsx`. Memory
    holds the shared strings and one slice of rows, not the workbook.
    """

    ROWS_PER_SLICE = 50_000

    def __init__(self, path: Path, scratch: Path, *, title: str | None, numeric: frozenset[str]) -> None:
        self.path, self.scratch, self.title, self.numeric = path, scratch, title, numeric
        self.sheets: dict[str, _SheetPart] = {}
        self.index = pl.DataFrame(schema={"value": pl.String, "sst": pl.Int64})
        self.columns: list[str] | None = None

    def _shared(self, values: pl.Series) -> pl.DataFrame:
        """Value -> shared-string position for `values`, adding the new ones to the table."""
        unique = pl.DataFrame({"value": values.unique(maintain_order=True)})
        known = unique.join(self.index, on="value", how="left", maintain_order="left")
        new = known.filter(pl.col("sst").is_null()).select(
            "value", sst=pl.int_range(self.index.height, self.index.height + pl.len(), dtype=pl.Int64))
        if new.height:
            self.index = pl.concat([self.index, new])
        return pl.concat([known.filter(pl.col("sst").is_not_null()), new])

    def append(self, sheets: list[Sheet]) -> pl.Series:
        """Write each sheet's rows after those of earlier parts; return every row's `_line`."""
        if self.columns is None:
            self.columns = sheets[0].frame.columns
            labels = [h for s in sheets for h in [*s.frame.columns, *([self.title] if self.title else [])]]
            header_sst = dict(self._shared(pl.Series(labels, dtype=pl.String)).iter_rows())
            for number, sheet in enumerate(sheets, start=1):
                head, first, tail = _sheet_frame(self.columns, self.title, header_sst)
                scratch = self.scratch.with_name(f"{self.scratch.name}.sheet{number}.xml")
                scratch.write_text(head, encoding="utf-8")
                self.sheets[sheet.name] = _SheetPart(sheet.name, scratch, first + 1, tail)
        strings = []
        for sheet in sheets:
            if sheet.name not in self.sheets or sheet.frame.columns != self.columns:
                raise ValueError(f"{self.path.name}: parts must have the same sheets and columns")
            for name in sheet.frame.columns:
                values = sheet.frame[name].drop_nulls()
                if name in self.numeric:
                    values = values.filter(~values.str.contains(NUMBER))
                strings.append(values)
        mapping = self._shared(pl.concat(strings)) if strings else self.index.head(0)
        lines = []
        for sheet in sheets:
            part = self.sheets[sheet.name]
            with part.scratch.open("a", encoding="utf-8") as out:
                for offset in range(0, sheet.frame.height, self.ROWS_PER_SLICE):
                    rows = sheet.frame.slice(offset, self.ROWS_PER_SLICE)
                    body, line = _rows_xml(rows, sheet.name, part.next_row, mapping, self.numeric)
                    out.write(body)
                    part.next_row += rows.height
                    lines.append(line)
        return pl.concat(lines).alias("_line") if lines else pl.Series("_line", [], dtype=pl.String)

    def close(self) -> str:
        """Assemble the workbook; return its SHA-256. Scratch files are removed."""
        sheets = list(self.sheets.values())
        for part in sheets:
            with part.scratch.open("a", encoding="utf-8") as out:
                out.write(part.tail)
        strings = self.scratch.with_name(f"{self.scratch.name}.sst.xml")
        with strings.open("w", encoding="utf-8") as out:
            out.write(f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<sst {_NS} '
                      f'count="{self.index.height}" uniqueCount="{self.index.height}">')
            for offset in range(0, self.index.height, 200_000):
                chunk = self.index["value"].slice(offset, 200_000)
                out.write("".join(pl.select(pl.concat_str(
                    pl.lit('<si><t xml:space="preserve">'), _xml_text(pl.lit(chunk)), pl.lit("</t></si>"))
                ).to_series().to_list()))
            out.write("</sst>")
        small = _package_parts([p.name for p in sheets])
        members: list[tuple[str, Path | str]] = [
            (name, small[name]) for name in ("[Content_Types].xml", "_rels/.rels", "xl/workbook.xml",
                                              "xl/_rels/workbook.xml.rels", "xl/styles.xml")]
        members.append(("xl/sharedStrings.xml", strings))
        members += [(f"xl/worksheets/sheet{i}.xml", p.scratch) for i, p in enumerate(sheets, start=1)]
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with zipfile.ZipFile(self.path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
            for name, content in members:
                info = zipfile.ZipInfo(name, date_time=(2000, 1, 1, 0, 0, 0))
                info.compress_type = zipfile.ZIP_DEFLATED
                if isinstance(content, str):
                    zf.writestr(info, content.encode("utf-8"), compresslevel=1)
                    continue
                info._compresslevel = 1  # noqa: SLF001 - zipfile's only way to set it for open()
                info.file_size = content.stat().st_size  # lets zipfile choose ZIP64 for big sheets
                with content.open("rb") as src, zf.open(info, "w") as dst:
                    shutil.copyfileobj(src, dst, 1 << 22)
        for part in sheets:
            part.scratch.unlink()
        strings.unlink()
        digest = hashlib.sha256()
        with self.path.open("rb") as f:
            for block in iter(lambda: f.read(1 << 22), b""):
                digest.update(block)
        return digest.hexdigest()
