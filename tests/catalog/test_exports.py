"""The catalog's exports: the workbook read back with a spreadsheet reader (template headers in
its first rows, in order, frozen, filtered; the only workbook of its folder) and the DCAT JSON."""

from __future__ import annotations

import json

import duckdb
import pytest
from openpyxl import load_workbook

from pipelines.catalog import publish_catalog
from pipelines.catalog.template import ITEM_FIELDS, RESOURCE_FIELDS
from pipelines.settings import Settings

# The national template's resource fields, in its order (standards.md), as the workbook heads them.
TEMPLATE = ["类", "项", "目", "信息资源名称", "信息资源代码", "信息资源提供方", "提供方代码", "信息资源摘要",
            "信息资源格式分类", "信息资源格式类型", "共享类型", "共享条件", "共享方式", "是否向社会开放", "开放条件",
            "更新周期", "发布日期", "关联资源代码"]


def _headers(ws) -> list[str]:
    """Each column's header: the second row, or the first when one field spans both rows."""
    return [ws.cell(2, c).value or ws.cell(1, c).value for c in range(1, ws.max_column + 1)]


@pytest.fixture
def published(tmp_settings: Settings):
    folder = tmp_settings.catalog_path
    folder.mkdir(parents=True)
    (folder / "政务信息资源目录_2020-01-01.xlsx").write_bytes(b"an old catalog")
    con = duckdb.connect()  # no warehouse tables: every resource, no facts
    catalog, summary = publish_catalog(con, tmp_settings)
    return tmp_settings, catalog, summary


def test_workbook_has_the_template_headers_frozen_and_filtered(published) -> None:
    settings, catalog, summary = published
    workbooks = sorted(settings.catalog_path.glob("*.xlsx"))
    assert [p.name for p in workbooks] == [f"政务信息资源目录_{settings.as_of.isoformat()}.xlsx"]
    wb = load_workbook(workbooks[0])
    assert wb.sheetnames == ["信息资源", "信息项"]
    resources, items = wb["信息资源"], wb["信息项"]
    assert _headers(resources)[: len(TEMPLATE)] == TEMPLATE
    assert [resources.cell(1, c).value for c in (1, 9, 11, 14)] == ["信息资源分类", "信息资源格式", "共享属性", "开放属性"]
    assert _headers(items) == [h for _, h in ITEM_FIELDS]
    for ws, frame in ((resources, catalog.resources), (items, catalog.items)):
        assert ws.freeze_panes == "A3"
        assert ws.auto_filter.ref.startswith("A2:")
        assert ws.max_row == frame.height + 2
    codes = [resources.cell(r, 5).value for r in range(3, resources.max_row + 1)]
    assert len(codes) == len(set(codes)) == summary["resources"]
    assert resources.cell(3, 17).value == settings.as_of.isoformat()  # 发布日期 YYYY-MM-DD
    assert len(RESOURCE_FIELDS) == len(TEMPLATE)


def test_dcat_json_keeps_the_national_fields(published) -> None:
    settings, catalog, _ = published
    doc = json.loads((settings.catalog_path / "catalog.json").read_text(encoding="utf-8"))
    datasets = doc["dcat:dataset"]
    assert len(datasets) == catalog.resources.height
    person = next(d for d in datasets if d["cn:national"]["数据表"] == "lib_population.person")
    assert person["dct:identifier"] == person["cn:national"]["信息资源代码"]
    assert person["dct:publisher"]["dct:identifier"] == settings.county.departments["dashuju"]
    assert person["dct:accessRights"]["@id"].endswith("NON_PUBLIC")
    assert person["dct:accrualPeriodicity"]["@id"].endswith("QUARTERLY")
    assert {i["英文名称"] for i in person["cn:national"]["信息项"]} >= {"person_id", "id_number"}
