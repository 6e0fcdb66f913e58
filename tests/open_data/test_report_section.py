"""The auditors' report's 开放数据 Open data section: the datasets the run's release published,
withdrew or refused, with rows, suppressed cells and the files' hashes, and what was checked."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from pipelines.open_data.files import WrittenFile
from pipelines.open_data.releases import ReleaseRow, record
from pipelines.report._run import write_report
from pipelines.settings import Settings
from pipelines.warehouse import connect
from report.crafted import RUN_A, RUN_B, craft, section


def _release(settings: Settings, run_id: str, rows: list[ReleaseRow]) -> None:
    with connect(settings) as con:
        record(con, run_id, date(2026, 11, 1), rows)


ROWS = [
    ReleaseRow("204007-00001", "204007/00001", "各乡镇（街道）户籍人口", "人口", "released", rows=15, suppressed_cells=6,
               files=[WrittenFile("data.csv", "ab" * 32, 900), WrittenFile("data.parquet", "cd" * 32, 2000)]),
    ReleaseRow("204003-00001", "204003/00001", "市场主体登记信息", "市场主体", "released", rows=137,
               files=[WrittenFile("data.csv", "ef" * 32, 30000)]),
    ReleaseRow("204005-00002", "204005/00002", "红黑名单", "行政管理", "withdrawn", "开放属性 不予开放: not open any more"),
]


def test_the_section_shows_what_the_release_of_the_run_published(tmp_settings: Settings) -> None:
    craft(tmp_settings)
    _release(tmp_settings, RUN_A, ROWS[:1])
    _release(tmp_settings, RUN_B, ROWS)
    with connect(tmp_settings) as con:
        from pipelines.report import resolve_run as resolve

        data = section(con, resolve(con, tmp_settings, RUN_B), "open_data")
    assert data["status"] == "ok" and data["release_run"] == RUN_B
    assert (data["released"], data["rows"], data["suppressed_cells"], data["withdrawn"]) == (2, 152, 6, 1)
    assert [d["dataset_id"] for d in data["datasets"]] == ["204003-00001", "204007-00001", "204005-00002"]
    assert any("身份证号" in c for c in data["checks"]) and data["licence"] == "CC BY 4.0"


def test_the_section_is_rendered_in_the_page_and_report_json(tmp_settings: Settings) -> None:
    craft(tmp_settings)
    _release(tmp_settings, RUN_B, ROWS)
    outputs = write_report(tmp_settings)
    page = Path(outputs["report"]).read_text(encoding="utf-8")
    assert '<span id="open-released">2</span>' in page
    assert "各乡镇（街道）户籍人口" in page and "已撤回 withdrawn" in page and "开放属性 不予开放" in page
    assert ("ab" * 8) in page  # the data.csv hash, shortened
    assert "居民姓名" in page and "二次抑制" in page
    folder = Path(outputs["report"]).parent
    report = json.loads((folder / "report.json").read_text(encoding="utf-8"))
    opened = report["sections"]["open_data"]
    assert opened["released"] == 2
