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
    embedded = np.zeros(frame.height, dtype=np.int64)
    for name in frame.columns:
        if frame.schema[name] == pl.String:
            embedded += frame[name].str.count_matches("\n", literal=True).fill_null(0).cast(pl.Int64).to_numpy()
    starts = header_line + 1 + np.arange(frame.height) + np.concatenate([[0], np.cumsum(embedded)[:-1]]).astype(np.int64)
    return Written(path, digest.hexdigest(), pl.Series("_line", starts[: frame.height]).cast(pl.String))


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
    sheet_entries = "".join(
        f'<sheet name="{_escape(s.name)}" sheetId="{i}" r:id="rId{i}"/>' for i, s in enumerate(sheets, 1))
    files["xl/workbook.xml"] = (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<workbook {_NS} {_REL_NS}>'
        f"<sheets>{sheet_entries}</sheets></workbook>"
    )
    rels = "".join(
        f'<Relationship Id="rId{i}" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        f'relationships/worksheet" Target="worksheets/sheet{i}.xml"/>' for i in range(1, len(sheets) + 1))
    n = len(sheets)
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
        for i in range(1, len(sheets) + 1))
    files["[Content_Types].xml"] = _CONTENT_TYPES.format(sheets=overrides)
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


def _escape(text: str) -> str:
    for raw, escaped in _XML_ESCAPES:
        text = text.replace(raw, escaped)
    return text


def _sheet_xml(sheet: Sheet, index: pl.DataFrame, header_sst: dict[str, int]) -> tuple[str, pl.Series]:
    """The worksheet XML and the `_line` of each data row."""
    frame = sheet.frame
    letters = _column_letters(max(len(frame.columns), 1))
    first = 2 if sheet.title else 1
    header_cells = "".join(
        f'<c r="{letters[j]}{first}" t="s"><v>{header_sst[h]}</v></c>' for j, h in enumerate(frame.columns))
    parts = []
    merge = ""
    if sheet.title:
        parts.append(f'<row r="1"><c r="A1" t="s"><v>{header_sst[sheet.title]}</v></c></row>')
        if len(frame.columns) > 1:
            merge = f'<mergeCells count="1"><mergeCell ref="A1:{letters[len(frame.columns) - 1]}1"/></mergeCells>'
    parts.append(f'<row r="{first}">{header_cells}</row>')
    start = first + 1
    rows = pl.int_range(start, start + frame.height, eager=True).cast(pl.String)
    cells = []
    work = frame.with_columns(__r=rows)
    for j, name in enumerate(frame.columns):
        ref = pl.concat_str(pl.lit(f'<c r="{letters[j]}'), pl.col("__r"), pl.lit('"'))
        sst = pl.col(name).replace_strict(index["value"], index["sst"], default=None).cast(pl.String)
        cell = pl.concat_str(ref, pl.lit(' t="s"><v>'), sst, pl.lit("</v></c>"))
        if name in sheet.numeric:
            number = pl.concat_str(ref, pl.lit("><v>"), pl.col(name), pl.lit("</v></c>"))
            cell = pl.when(pl.col(name).str.contains(NUMBER)).then(number).otherwise(cell)
        cells.append(pl.when(pl.col(name).is_not_null()).then(cell).otherwise(pl.lit("")))
    if frame.height:
        body = work.select(
            pl.concat_str([pl.lit('<row r="'), pl.col("__r"), pl.lit('">'), *cells, pl.lit("</row>")])
        ).to_series()
        parts.append("".join(body.to_list()))
    xml = (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet {_NS}><sheetData>'
        + "".join(parts) + f"</sheetData>{merge}</worksheet>"
    )
    line = pl.select(pl.concat_str(pl.lit(f"{sheet.name}!"), rows)).to_series()
    return xml, line
