"""The open-data list (数据资源开放清单) and the DCAT catalog of the release.

`data/open/开放清单.xlsx` and `.csv`: one row per open resource of every department, from the
catalog (every resource whose 开放属性 is 无条件开放 or 有条件开放, whether its files are released
here or it is opened through the platform on application), with the dataset folder where one
was released. `data/open/catalog.json`: the open resources as DCAT-AP datasets
(`pipelines.catalog.export.dcat`, the catalog's own export), each released dataset with its
files as distributions (format, licence, SHA-256 checksum).
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from collections.abc import Mapping
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path
from typing import Any

import polars as pl
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from pipelines.catalog.build import Catalog
from pipelines.catalog.export import dcat
from pipelines.exports import neutralise_formulas, write_atomically

LISTING_NAME = "开放清单"
LISTING_COLUMNS = (
    "信息资源名称", "信息资源代码", "信息资源提供方", "信息资源摘要", "开放属性", "开放条件", "更新周期",
    "开放格式", "数据量", "发布日期", "开放许可", "开放数据集",
)
FORMATS = {"data.csv": ("CSV", "text/csv"), "data.parquet": ("Parquet", "application/vnd.apache.parquet"),
           "data.geojson": ("GeoJSON", "application/geo+json"), "dictionary.csv": ("CSV", "text/csv")}
OPEN = ("无条件开放", "有条件开放")


def open_resources(catalog: Catalog) -> pl.DataFrame:
    return catalog.resources.filter(pl.col("是否向社会开放").is_in(OPEN)).sort("信息资源代码")


def listing_frame(catalog: Catalog, released: Mapping[str, dict[str, Any]], licence: str, as_of: date) -> pl.DataFrame:
    """One row per open resource: `released` maps 信息资源代码 -> the dataset's metadata.json."""
    rows = []
    for r in open_resources(catalog).iter_rows(named=True):
        meta = released.get(r["信息资源代码"])
        formats = "; ".join(dict.fromkeys(FORMATS[f][0] for f in sorted(meta["files"]) if f != "dictionary.csv")) if meta else None
        rows.append({
            "信息资源名称": r["信息资源名称"],
            "信息资源代码": r["信息资源代码"],
            "信息资源提供方": r["信息资源提供方"],
            "信息资源摘要": r["信息资源摘要"],
            "开放属性": r["是否向社会开放"],
            "开放条件": r["开放条件"],
            "更新周期": r["更新周期"],
            "开放格式": formats or r["信息资源格式类型"],
            "数据量": meta["rows"] if meta else r["记录数"],
            "发布日期": as_of.isoformat(),
            "开放许可": licence,
            "开放数据集": meta["id"] if meta else None,
        })
    schema = {c: pl.String for c in LISTING_COLUMNS} | {"数据量": pl.Int64}
    return pl.DataFrame(rows, schema=schema)


def _stable_zip(content: bytes, as_of: date) -> bytes:
    """The workbook's zip with every entry dated the as-of date and its `modified` property the
    as-of date (openpyxl stamps the clock on both when it saves), so a rerun writes the same bytes."""
    source = zipfile.ZipFile(io.BytesIO(content))
    stamp = f"{as_of.isoformat()}T00:00:00Z".encode()
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            stable = zipfile.ZipInfo(info.filename, date_time=(as_of.year, as_of.month, as_of.day, 0, 0, 0))
            stable.compress_type = zipfile.ZIP_DEFLATED
            stable.external_attr = info.external_attr
            data = source.read(info.filename)
            if info.filename == "docProps/core.xml":
                data = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)", rb"\g<1>" + stamp + rb"\g<2>", data)
            target.writestr(stable, data)
    return out.getvalue()


def workbook_bytes(frame: pl.DataFrame, as_of: date) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = LISTING_NAME
    ws.append(list(frame.columns))
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for row in neutralise_formulas(frame).iter_rows():
        ws.append(list(row))
    for col in range(1, len(frame.columns) + 1):
        ws.column_dimensions[get_column_letter(col)].width = 18
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:{get_column_letter(len(frame.columns))}{max(1, frame.height + 1)}"
    stamp = datetime(as_of.year, as_of.month, as_of.day)
    wb.properties.created = wb.properties.modified = stamp
    wb.properties.creator = "govdata"
    buffer = io.BytesIO()
    wb.save(buffer)
    return _stable_zip(buffer.getvalue(), as_of)


def write_listing(folder: Path, frame: pl.DataFrame, as_of: date) -> list[Path]:
    """开放清单.xlsx and 开放清单.csv (UTF-8 with BOM)."""
    xlsx, csv = folder / f"{LISTING_NAME}.xlsx", folder / f"{LISTING_NAME}.csv"
    write_atomically(xlsx, workbook_bytes(frame, as_of))
    write_atomically(csv, b"\xef\xbb\xbf" + neutralise_formulas(frame).write_csv().encode("utf-8"))
    return [xlsx, csv]


def distributions(meta: Mapping[str, Any], licence: str) -> list[dict[str, Any]]:
    """A released dataset's files as DCAT distributions (relative access URLs: the folder is
    published as it is)."""
    out = []
    for name, facts in sorted(meta["files"].items()):
        label, media = FORMATS[name]
        out.append({
            "@type": "dcat:Distribution",
            "dct:title": name,
            "dcat:accessURL": {"@id": f"{meta['id']}/{name}"},
            "dct:format": label,
            "dcat:mediaType": media,
            "dct:license": licence,
            "dcat:byteSize": facts["bytes"],
            "spdx:checksum": {"spdx:algorithm": "spdx:checksumAlgorithm_sha256", "spdx:checksumValue": facts["sha256"]},
        })
    return out


def write_dcat(
    folder: Path, catalog: Catalog, released: Mapping[str, dict[str, Any]], licence: str, as_of: date, county: str
) -> Path:
    """catalog.json: the open resources as DCAT-AP datasets (the catalog's export, filtered)."""
    codes = set(open_resources(catalog)["信息资源代码"].to_list())
    subset = replace(
        catalog,
        resources=catalog.resources.filter(pl.col("信息资源代码").is_in(codes)),
        items=catalog.items.filter(pl.col("信息资源代码").is_in(codes)),
    )
    document = dcat(
        subset, as_of, county,
        distributions={code: distributions(meta, licence) for code, meta in released.items()},
        licence=licence,
        title=f"{county}{LISTING_NAME}",
    )
    document["@context"]["spdx"] = "http://spdx.org/rdf/terms#"
    target = folder / "catalog.json"
    write_atomically(target, json.dumps(document, ensure_ascii=False, indent=1, default=str).encode("utf-8"))
    return target
