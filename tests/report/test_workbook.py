"""findings.xlsx's data rows are written without openpyxl's cell objects: the bytes must be those
openpyxl writes for the same findings, whatever the cells hold (text that needs escaping or keeps
its spaces, empty text, numbers, empty cells, formula-like text, error codes, very long text)."""

from __future__ import annotations

import io
from typing import Any

import pytest
from openpyxl import load_workbook

from pipelines.report._workbook import HEADERS, _book, _deterministic, _saved, findings_workbook

TEXTS = ["", " lead", "trail ", "  ", "a\nb", "=SUM(A1)", "+1", "-", "@x", "\tx", "中文，测试", "x" * 40000,
         "'quoted", "a&b<c>d\"e'", "\r\n", "ok"]


def _finding(i: int, evidence: list[dict[str, Any]], amount: Any = 6000.0) -> dict[str, Any]:
    return {"finding_id": f"F-{i}", "severity_label": "高 high", "status_label": "新 new",
            "disposition_label": "待核实 undecided", "summary": "死亡后仍领取 & <b>养老金</b>", "amount": amount,
            "entity_kind": "person", "entity_id": f"P{i}", "evidence": evidence}


def _findings(texts: list[str], amounts: tuple[Any, ...] = (None, 0.1, 1e20, -3, 12345678.125)) -> dict[str, Any]:
    evidence = [{"role": t, "source": "weijian__death_certificate", "source_file": "weijian/death.csv",
                 "line": str(j), "record_id": None if j % 2 else f"r{j}", "detail": t} for j, t in enumerate(texts)]
    rules = [{"rule": "benefits_after_death", "title": "死亡后仍领取", "findings": [
        _finding(1, evidence), *(_finding(2 + k, evidence[k:k + 2], a) for k, a in enumerate(amounts))]},
        {"rule": "empty/rule", "title": "无", "findings": []},
        {"rule": "dead_still_acting", "title": "死亡后仍办理", "findings": [_finding(9, [])]}]
    return {"status": "ok", "rules": rules}


def _openpyxl_bytes(findings: dict[str, Any]) -> bytes:
    """The workbook with every row written by openpyxl itself."""
    return _deterministic(_saved(_book(findings)[0]))


@pytest.mark.parametrize("findings", [
    _findings(TEXTS),
    _findings(TEXTS + ["#N/A"]),  # an error code: openpyxl writes the workbook
    _findings(["x"], amounts=(float("nan"),)),
    {"status": "ok", "rules": []},
    {"status": "not_run"},
], ids=["texts and numbers", "error code", "nan", "no findings", "not run"])
def test_the_workbook_is_the_one_openpyxl_writes(findings: dict[str, Any]) -> None:
    assert findings_workbook(findings) == _openpyxl_bytes(findings)


def test_every_evidence_row_reads_back_with_its_finding() -> None:
    findings = _findings(TEXTS)
    book = load_workbook(io.BytesIO(findings_workbook(findings)))
    sheet = book["benefits_after_death"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == tuple(label for _, label in HEADERS)
    assert len(rows) == 1 + len(TEXTS) + 2 * 5
    detail = [r[-1] for r in rows[1:len(TEXTS) + 1]]
    # (an XML reader reads a line end CR LF as LF, whoever wrote the file)
    expected = [None if t == "" else ("'" + t if t[:1] in "=+-@\t\r" else t[:32767]).replace("\r\n", "\n")
                for t in TEXTS]
    assert detail == expected
    assert [r[5] for r in rows[len(TEXTS) + 1::2]] == [None, 0.1, 1e20, -3, 12345678.125]
    assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref == f"A1:N{len(rows)}"
    assert list(book["dead_still_acting"].iter_rows(values_only=True))[1][0] == "F-9"
