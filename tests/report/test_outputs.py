"""What `govdata report` writes: the folder per run, the `latest` link, same bytes for the same
run, report.json's hash on the page, the workbook, and a page that loads nothing remote."""

from __future__ import annotations

import hashlib
import io
import json
import re
import zipfile
from pathlib import Path

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from pipelines.cli import app
from pipelines.report import write_report
from pipelines.settings import Settings
from pipelines.warehouse import connect
from report.crafted import RUN_A, RUN_B, craft

# an absolute or protocol-relative URL in a src or href attribute (links included)
REMOTE_ATTRIBUTE = re.compile(r"""\b(?:src|href)\s*=\s*["']?\s*(?:[a-z][a-z0-9+.-]*:|//)""", re.IGNORECASE)


def _files(folder: Path) -> dict[str, bytes]:
    return {name: (folder / name).read_bytes() for name in ("index.html", "report.json", "findings.xlsx")}


def test_the_same_run_gives_the_same_bytes_and_latest_follows_the_newest(crafted: Settings) -> None:
    out = write_report(crafted)
    folder = crafted.reports_path / RUN_B
    assert out["report"] == str(folder / "index.html")
    first = _files(folder)
    write_report(crafted, RUN_A)  # an earlier run's report, rebuilt: latest stays on the newest
    assert (crafted.reports_path / "latest").resolve() == folder.resolve()
    assert write_report(crafted, RUN_B)["run id"] == RUN_B
    assert _files(folder) == first
    assert (crafted.reports_path / RUN_A / "index.html").exists()


def test_the_page_prints_the_sha256_of_report_json(crafted: Settings) -> None:
    write_report(crafted)
    folder = crafted.reports_path / RUN_B
    digest = hashlib.sha256((folder / "report.json").read_bytes()).hexdigest()
    page = (folder / "index.html").read_text(encoding="utf-8")
    assert f'<code id="report-json-sha256">{digest}</code>' in page


def test_the_page_has_every_section_and_loads_nothing_remote(crafted: Settings) -> None:
    write_report(crafted)
    page = (crafted.reports_path / RUN_B / "index.html").read_text(encoding="utf-8")
    for key, heading in (("summary", "摘要 Summary"), ("scores", "质量评分 Scores"), ("trends", "趋势 Trends"),
                         ("reconciliation", "核对 Reconciliation"), ("findings", "发现 Findings")):
        assert f'<section class="report-section" id="{key}">' in page and heading in page
    assert page.count("未运行 not run yet — 尚无数据表") == 3  # systems, catalog, open data
    assert not REMOTE_ATTRIBUTE.search(page), REMOTE_ATTRIBUTE.search(page)
    assert "<link" not in page and "@import" not in page
    assert "Asia/Shanghai" in page and "UTC+08:00" in page
    assert "2026-11-02 09:00:00" in page  # run B started 01:00 UTC: shown in the county's zone
    assert "Σ" in page and "阈值" in page
    assert "@media print" in page and "size: A4" in page
    assert "Microsoft YaHei" in page and "PingFang SC" in page and "Noto Sans CJK SC" in page


def test_numbers_on_the_page_equal_the_warehouse(crafted: Settings) -> None:
    write_report(crafted)
    folder = crafted.reports_path / RUN_B
    page = (folder / "index.html").read_text(encoding="utf-8")
    document = json.loads((folder / "report.json").read_text(encoding="utf-8"))
    with connect(crafted) as con:
        raw = con.execute("select sum(raw_rows), sum(rows_held) from meta.reconciliation where run_id = ?", [RUN_B]).fetchone()
        open_findings = con.execute(
            "select count(*) from dq.findings where run_id = ? and status <> 'closed'", [RUN_B]
        ).fetchone()[0]
    assert raw == (8, 8)
    assert f'<td class="n" id="reconciliation-raw">{raw[0]:,}</td>' in page
    assert f'<td class="n" id="reconciliation-held">{raw[1]:,}</td>' in page
    assert f'<td class="n" id="findings-total">{open_findings}</td>' in page
    assert document["sections"]["reconciliation"]["totals"]["raw_rows"] == raw[0]
    assert document["sections"]["summary"]["scores"]["准确性"]["score"] == pytest.approx(0.99)
    assert "99.0%" in page and "75.0%" in page


def test_the_workbook_has_a_sheet_per_rule_header_frozen_filters_on(crafted: Settings) -> None:
    write_report(crafted)
    data = (crafted.reports_path / RUN_B / "findings.xlsx").read_bytes()
    book = load_workbook(io.BytesIO(data))
    assert book.sheetnames == ["benefits_after_death", "payroll_ghosts"]
    sheet = book["benefits_after_death"]
    assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref == sheet.dimensions
    assert sheet.max_row == 1 + 3  # two open findings and one closed, one evidence row or none each
    assert "未发现" in book["payroll_ghosts"]["A1"].value
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert {i.date_time for i in archive.infolist()} == {(1980, 1, 1, 0, 0, 0)}


def test_without_findings_the_workbook_and_page_say_not_run(tmp_settings: Settings) -> None:
    craft(tmp_settings, findings=False)
    write_report(tmp_settings)
    folder = tmp_settings.reports_path / RUN_B
    book = load_workbook(folder / "findings.xlsx")
    assert book.sheetnames == ["未运行 not run"]
    page = (folder / "index.html").read_text(encoding="utf-8")
    assert page.count("未运行 not run yet — 尚无数据表") == 4


def test_settings_that_differ_are_named_with_a_hash(crafted: Settings) -> None:
    write_report(crafted)
    provenance = json.loads((crafted.reports_path / RUN_B / "report.json").read_text(encoding="utf-8"))["provenance"]
    assert provenance["settings"]["changed"]["scale"] == {"value": "tiny", "default": "small"}
    assert re.fullmatch(r"[0-9a-f]{64}", provenance["settings"]["sha256"])
    assert provenance["code"]["package"]


def test_cli_report_and_rebuild_of_an_earlier_run(crafted: Settings) -> None:
    runner = CliRunner()
    result = runner.invoke(app, ["report", "--run", RUN_A])
    assert result.exit_code == 0, result.output
    assert (crafted.reports_path / RUN_A / "index.html").exists()
    assert (crafted.reports_path / "latest").is_symlink() is False  # the newest run has no report yet
    result = runner.invoke(app, ["report", "--run", "nope"])
    assert result.exit_code != 0


def test_pdf_without_chromium_says_so(crafted: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    from pipelines.errors import GovdataError
    from pipelines.report import _pdf

    monkeypatch.setattr(_pdf, "find_browser", lambda: None)
    with pytest.raises(GovdataError, match="not installed"):
        _pdf.print_pdf(crafted.reports_path / "x.html", crafted.reports_path / "x.pdf")


def test_the_county_time_zone_is_a_setting(crafted: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    from pipelines.errors import SettingsError
    from pipelines.settings import load_settings

    monkeypatch.setenv("GOVDATA_COUNTY__TIMEZONE", "Asia/Urumqi")
    write_report(load_settings())
    page = (crafted.reports_path / RUN_B / "index.html").read_text(encoding="utf-8")
    assert "Asia/Urumqi" in page and "UTC+06:00" in page and "2026-11-02 07:00:00" in page
    monkeypatch.setenv("GOVDATA_COUNTY__TIMEZONE", "Mars/Olympus")
    with pytest.raises(SettingsError, match="GOVDATA_COUNTY__TIMEZONE"):
        load_settings()
