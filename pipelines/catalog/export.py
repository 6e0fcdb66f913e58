"""Exports of the catalog under `data/catalog/`: the workbook in the national template's column
order (`政务信息资源目录_<as-of>.xlsx`, the only workbook there) and `catalog.json`, each resource
a DCAT-AP dataset that keeps the national fields."""

from __future__ import annotations

import io
import json
from collections.abc import Mapping
from datetime import date, datetime
from pathlib import Path
from typing import Any

import polars as pl
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from pipelines.catalog.build import Catalog
from pipelines.catalog.template import ITEM_FIELDS, RESOURCE_FIELDS, WAREHOUSE_FIELDS, WAREHOUSE_GROUP
from pipelines.exports import write_atomically

WORKBOOK_PREFIX = "政务信息资源目录_"
RESOURCE_SHEET, ITEM_SHEET = "信息资源", "信息项"

# 更新周期 -> EU frequency vocabulary; 开放属性 -> EU access-right vocabulary (DCAT-AP)
_FREQUENCY = {"实时": "CONT", "每日": "DAILY", "每周": "WEEKLY", "每月": "MONTHLY", "每季度": "QUARTERLY",
              "每半年": "BIANNUAL", "每年": "ANNUAL", "不定期": "IRREG"}
_ACCESS = {"无条件开放": "PUBLIC", "有条件开放": "RESTRICTED", "不予开放": "NON_PUBLIC"}
_EU = "http://publications.europa.eu/resource/authority/"


def workbook_path(folder: Path, as_of: date) -> Path:
    return folder / f"{WORKBOOK_PREFIX}{as_of.isoformat()}.xlsx"


def _cell(value: Any) -> Any:
    if isinstance(value, list):
        return "; ".join(str(v) for v in value)
    if isinstance(value, date):
        return value.isoformat()  # 发布日期 as YYYY-MM-DD text, as the template writes it
    return value


def _sheet(wb: Workbook, title: str, groups: list[tuple[str, str]], frame: pl.DataFrame, first: bool) -> None:
    ws = wb.active if first else wb.create_sheet()
    ws.title = title
    bold = Font(bold=True)
    centre = Alignment(horizontal="center", vertical="center", wrap_text=True)
    for col, (group, header) in enumerate(groups, start=1):
        ws.cell(row=1, column=col, value=group).font = bold
        ws.cell(row=2, column=col, value=header).font = bold
        ws.cell(row=1, column=col).alignment = centre
        ws.column_dimensions[get_column_letter(col)].width = 14 if len(header) < 6 else 22
    # merge each group's first-row cells (a field alone in its group spans both header rows)
    start = 1
    for col in range(2, len(groups) + 2):
        if col > len(groups) or groups[col - 1][0] != groups[start - 1][0]:
            if col - 1 > start:
                ws.merge_cells(start_row=1, start_column=start, end_row=1, end_column=col - 1)
            elif groups[start - 1][0] == groups[start - 1][1]:
                ws.merge_cells(start_row=1, start_column=start, end_row=2, end_column=start)
            start = col
    for row in frame.select([h for _, h in groups]).iter_rows():
        ws.append([_cell(v) for v in row])
    ws.freeze_panes = "A3"
    ws.auto_filter.ref = f"A2:{get_column_letter(len(groups))}{max(2, frame.height + 2)}"


def write_workbook(catalog: Catalog, folder: Path, as_of: date, run_id: str | None = None) -> Path:
    """The catalog workbook: resources and items sheets, template headers in the first two rows,
    header frozen, filters on. Earlier workbooks of the folder are removed (one catalog)."""
    wb = Workbook()
    resource_groups = [*RESOURCE_FIELDS, *((WAREHOUSE_GROUP, f) for f in WAREHOUSE_FIELDS)]
    _sheet(wb, RESOURCE_SHEET, resource_groups, catalog.resources, first=True)
    _sheet(wb, ITEM_SHEET, list(ITEM_FIELDS), catalog.items, first=False)
    stamp = datetime(as_of.year, as_of.month, as_of.day)
    wb.properties.created = wb.properties.modified = stamp  # the as-of date, not the clock
    wb.properties.creator = "govdata"
    wb.properties.identifier = run_id  # the chain run that built it
    buffer = io.BytesIO()
    wb.save(buffer)
    target = workbook_path(folder, as_of)
    write_atomically(target, buffer.getvalue())
    for old in folder.glob(f"{WORKBOOK_PREFIX}*.xlsx"):
        if old != target:
            old.unlink()
    return target


def dcat(
    catalog: Catalog,
    as_of: date,
    county: str,
    run_id: str | None = None,
    distributions: Mapping[str, list[dict[str, Any]]] | None = None,
    licence: str | None = None,
    title: str | None = None,
) -> dict[str, Any]:
    """The catalog as DCAT-AP JSON-LD; each dataset keeps the national template's fields under
    `cn:` (their template names), so nothing of the national catalog is lost in translation.

    The open-data release (pipelines.open_data) passes the files it published as each dataset's
    `distributions` (by 信息资源代码), the `licence` they are under, and its catalog's `title`."""
    items = catalog.items.partition_by("信息资源代码", as_dict=True)
    datasets = []
    for row in catalog.resources.iter_rows(named=True):
        code = row["信息资源代码"]
        its = items.get((code,))
        national = {k: (v.isoformat() if isinstance(v, date) else v) for k, v in row.items()}
        national["信息项"] = [] if its is None else [
            {k: v for k, v in item.items() if k not in ("信息资源代码", "信息资源名称", "数据表")}
            for item in its.iter_rows(named=True)
        ]
        datasets.append({
            "@type": "dcat:Dataset",
            "@id": f"urn:govdata:resource:{code}",
            "dct:identifier": code,
            "dct:title": {"@language": "zh", "@value": row["信息资源名称"]},
            "dct:description": {"@language": "zh", "@value": row["信息资源摘要"]},
            "dct:publisher": {"@type": "foaf:Organization", "foaf:name": row["信息资源提供方"],
                              "dct:identifier": row["提供方代码"]},
            "dcat:theme": "/".join(str(row[k]) for k in ("类", "项", "目")),
            "dct:accrualPeriodicity": {"@id": _EU + "frequency/" + _FREQUENCY.get(row["更新周期"], "UNKNOWN")},
            "dct:accessRights": {"@id": _EU + "access-right/" + _ACCESS.get(row["是否向社会开放"], "NON_PUBLIC")},
            "dct:issued": {"@type": "xsd:date", "@value": row["发布日期"].isoformat()},
            "dct:relation": [f"urn:govdata:resource:{c}" for c in row["关联资源代码"]],
            "dct:spatial": county,
            "dcat:distribution": [{
                "@type": "dcat:Distribution",
                "dct:format": row["信息资源格式类型"],
                "dct:title": row["数据表"],
            }],
            "cn:national": national,
        })
        if distributions and code in distributions:
            datasets[-1]["dcat:distribution"] = distributions[code]
        if licence:
            datasets[-1]["dct:license"] = licence
    return {
        "@context": {
            "dcat": "http://www.w3.org/ns/dcat#",
            "dct": "http://purl.org/dc/terms/",
            "foaf": "http://xmlns.com/foaf/0.1/",
            "xsd": "http://www.w3.org/2001/XMLSchema#",
            "cn": "urn:govdata:catalog-template-2017#",
        },
        "@type": "dcat:Catalog",
        "dct:title": {"@language": "zh", "@value": title or f"{county}政务信息资源目录"},
        "dct:issued": {"@type": "xsd:date", "@value": as_of.isoformat()},
        "cn:run_id": run_id,
        "dcat:dataset": datasets,
    }


def write_json(catalog: Catalog, folder: Path, as_of: date, county: str, run_id: str | None = None) -> Path:
    target = folder / "catalog.json"
    text = json.dumps(dcat(catalog, as_of, county, run_id), ensure_ascii=False, indent=1, default=str)
    write_atomically(target, text.encode("utf-8"))
    return target
