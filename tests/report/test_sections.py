"""Every section from a small crafted warehouse (tests/report/crafted.py), with its numbers
checked against what was crafted, and with the tables of later stages missing or empty."""

from __future__ import annotations

import pytest

from pipelines.errors import GovdataError
from pipelines.report import NOT_RUN, SECTIONS, resolve_run
from pipelines.report._reconciliation import mask_raw_text, store
from pipelines.settings import Settings
from pipelines.warehouse import connect
from report.crafted import LEDGER, RUN_A, RUN_B, SOURCE, craft, section


def test_sections_are_in_the_issue_order_with_their_headings() -> None:
    assert [s.heading for s in SECTIONS] == [
        "摘要 Summary", "质量评分 Scores", "趋势 Trends", "核对 Reconciliation", "发现 Findings",
        "信息系统 Systems", "目录与共享 Catalog and sharing", "开放数据 Open data",
    ]
    assert NOT_RUN == "未运行 not run yet"


def test_the_latest_run_is_reported_and_an_earlier_one_on_request(crafted: Settings) -> None:
    with connect(crafted) as con:
        assert resolve_run(con, crafted).run_id == RUN_B
        earlier = resolve_run(con, crafted, RUN_A)
        assert earlier.previous is None and [r.run_id for r in earlier.history] == [RUN_A]
        with pytest.raises(GovdataError, match="no run 'nope'"):
            resolve_run(con, crafted, "nope")


def test_an_empty_warehouse_says_to_run_first(tmp_settings: Settings) -> None:
    with connect(tmp_settings) as con, pytest.raises(GovdataError, match="no run is recorded"):
        resolve_run(con, tmp_settings)


def test_summary_scores_all_six_dimensions_with_the_change(session) -> None:
    con, context = session
    summary = section(con, context, "summary")
    scores = summary["scores"]
    assert list(scores) == ["规范性", "完整性", "准确性", "一致性", "时效性", "可访问性"]
    # current checks only: 1000 - 10 of 1000 passing (the history check is left out)
    assert scores["准确性"]["score"] == pytest.approx(0.99)
    assert scores["准确性"]["change"] == pytest.approx(0.99 - 0.97)  # run A had 30 unexpected
    assert scores["时效性"]["score"] == pytest.approx(0.75)
    assert scores["规范性"]["checks"] == 0 and scores["规范性"]["score"] is None
    assert summary["gates"] == [
        {"library": "lib_population", "label": "人口库 population", "passed": False,
         "failing_checks": ["lib_population__person.birth_date"]}
    ]
    assert summary["findings_by_severity"] == {"high": 1, "medium": 1, "low": 0, "lead": 0}
    assert summary["inputs"] == {"recorded": True, "departments": 1, "files": 4, "rows_read": 22, "rows_held": 8}
    anchors = [a["anchor"] for a in summary["actions"]]
    assert anchors.count("findings") == 2 and "scores" in anchors and "reconciliation" in anchors


def test_scores_per_department_and_library_with_worst_checks(session) -> None:
    con, context = session
    scores = section(con, context, "scores")
    assert "Σ" in scores["formula"]
    (department,) = scores["departments"]["rows"]
    cells = {c["dimension"]: c for c in department["cells"]}
    assert department["label"] == "县公安局 gongan"
    assert cells["准确性"]["score"] == pytest.approx(0.99) and cells["规范性"]["score"] is None
    assert cells["准确性"]["worst"][0]["unexpected_count"] == 10
    (library,) = scores["libraries"]["rows"]
    worst = {c["dimension"]: c for c in library["cells"]}["时效性"]["worst"][0]
    # the threshold is the share that must pass (GX's `mostly`); 25% failing against 10% allowed
    assert (worst["threshold"], worst["allowed_rate"], worst["passed"]) == (0.9, pytest.approx(0.1), False)
    # every check that found something, with its threshold and outcome; the clean one is counted
    assert [c["unexpected_count"] for c in scores["checks"]] == [500, 50, 10]
    assert scores["checks_total"] == 4 and scores["checks_clean"] == 1
    assert [(c["column"], c["threshold"]) for c in scores["clean"]] == [("name", 1.0)]


def test_trends_over_the_runs_up_to_this_one(session) -> None:
    con, context = session
    trends = section(con, context, "trends")
    assert trends["runs"] == [RUN_A, RUN_B] and not trends["single_run"]
    accuracy = [p["score"] for p in trends["scores"] if p["dimension"].startswith("准确性")]
    assert accuracy == pytest.approx([0.97, 0.99])
    assert [(p["run"], p["findings"]) for p in trends["findings"]] == [(RUN_A, 3), (RUN_B, 2)]
    with connect(context.settings) as again:
        first = resolve_run(again, context.settings, RUN_A)
        assert section(again, first, "trends")["single_run"]


def test_reconciliation_adds_up_to_the_raw_table(session) -> None:
    con, context = session
    recon = section(con, context, "reconciliation")
    (source,) = [s for s in recon["sources"] if s["source"] == SOURCE]
    assert (source["rows_read"], source["rows_loaded"], source["rows_quarantined"]) == (22, 18, 4)
    assert (source["rows_superseded"], source["rows_held"], source["raw_rows"]) == (10, 8, 8)
    assert source["balanced"] and recon["balanced"]
    assert (source["files_received"], source["files_rejected"], source["files_deferred"]) == (4, 1, 1)
    assert recon["totals"]["raw_rows"] == con.execute(f'select count(*) from raw."{SOURCE}"').fetchone()[0]
    assert [f["file"] for f in recon["rejected"]] == [LEDGER[2][1]]
    assert recon["rejected"][0]["reason"] == "header row missing"
    assert [f["sha256"] for f in source["files"]] == sorted(f["sha256"] for f in source["files"])  # files by name here
    statuses = {f["file"]: f["status"] for f in source["files"]}
    assert statuses[LEDGER[0][1]] == "superseded" and statuses[LEDGER[3][1]] == "deferred"
    (reason,) = source["quarantine"]
    assert reason["rows"] == 1 and reason["examples"][0]["line"] == "11"
    assert "371503199001011234567" not in reason["examples"][0]["masked"]
    assert source["delivery"] == "on_time"  # quarterly; delivered 2026-10-20
    missing = [s for s in recon["sources"] if s["delivery"] == "missing"]
    assert missing and all(s["files_received"] == 0 for s in missing)


def test_reconciliation_is_stored_once_per_run(session) -> None:
    con, context = session
    before = con.execute("select count(*) from meta.reconciliation").fetchone()[0]
    con.execute(f'delete from raw."{SOURCE}"')  # the raw table changes after the run...
    assert store(con, context) == 0  # ...the stored counts of the run stand
    assert con.execute("select count(*) from meta.reconciliation").fetchone()[0] == before
    assert section(con, context, "reconciliation")["totals"]["raw_rows"] == 8


def test_masking_keeps_the_shape_of_a_quarantined_row() -> None:
    assert mask_raw_text("张三,371503199001011234,男") == "张*,3*****************,*"
    assert mask_raw_text(None) == ""


def test_findings_per_rule_with_evidence_and_precision(session) -> None:
    con, context = session
    findings = section(con, context, "findings")
    rules = {r["rule"]: r for r in findings["rules"]}
    rule = rules["benefits_after_death"]
    assert (rule["count"], rule["closed"], rule["amount"]) == (2, 1, 3000.0)
    assert rule["precision"] == 0.5
    assert rules["payroll_ghosts"]["findings"] == []  # a rule that found nothing is listed
    first = rule["findings"][0]
    assert first["severity"] == "high" and first["evidence"][0]["source_file"] == "minzheng/2026-10-01/死亡.csv"
    assert first["disposition_label"] == "待核实 undecided"
    assert findings["total"] == con.execute(
        "select count(*) from dq.findings where run_id = ? and status <> 'closed'", [RUN_B]
    ).fetchone()[0]


def test_dispositions_recorded_after_the_run_are_not_shown(session) -> None:
    con, context = session
    con.execute("insert into dq.finding_dispositions values ('f0', 'confirmed', 'checked', 'auditor', "
                "'2026-11-02', '2026-11-02 01:00:00', 'cli')")
    con.execute("insert into dq.finding_dispositions values ('f1', 'false_alarm', 'alive', 'auditor', "
                "'2099-01-01', '2099-01-01 00:00:00', 'cli')")
    shown = {f["finding_id"]: f["disposition_label"] for f in section(con, context, "findings")["rules"][0]["findings"]}
    assert shown["f0"] == "属实 confirmed" and shown["f1"] == "待核实 undecided"


@pytest.mark.parametrize("key", ["findings", "systems", "catalog", "open_data"])
def test_a_section_whose_tables_are_missing_is_not_run_yet(tmp_settings: Settings, key: str) -> None:
    craft(tmp_settings, findings=False)
    with connect(tmp_settings) as con:
        result = section(con, resolve_run(con, tmp_settings), key)
    assert result["status"] == "not_run" and result["missing"]


def test_later_sections_count_their_tables_once_they_exist(session) -> None:
    con, context = session
    con.execute("create schema if not exists lib_systems")
    for table in ("information_system", "zombie_candidate", "shadow_candidate"):
        con.execute(f"create table lib_systems.{table} (system_code varchar)")
    con.execute("insert into lib_systems.information_system values ('S1'), ('S2')")
    systems = section(con, context, "systems")
    assert systems["status"] == "ok"
    assert systems["tables"][0] == {"table": "lib_systems.information_system", "rows": 2}


def test_a_warehouse_with_only_runs_has_every_section_empty_or_not_run(tmp_settings: Settings) -> None:
    with connect(tmp_settings) as con:
        con.execute("insert into meta.runs values ('r1', 'stage', '2026-11-01', '2026-11-01 01:00:00', "
                    "'2026-11-01 01:01:00', 60, 0, 0, 'success', null, 'chain1')")
        context = resolve_run(con, tmp_settings)
        store(con, context)
        results = {s.key: s.collect(con, context) for s in SECTIONS}
    assert results["summary"]["status"] == "ok"
    assert results["summary"]["gates"] is None and results["summary"]["findings_by_severity"] is None
    assert all(c["score"] is None for c in results["summary"]["scores"].values())
    assert {k for k, v in results.items() if v["status"] == "not_run"} == {
        "scores", "trends", "reconciliation", "findings", "systems", "catalog", "open_data"
    }


def test_an_empty_dq_results_table_gives_empty_scores(tmp_settings: Settings) -> None:
    craft(tmp_settings, findings=False, second_run=False)
    with connect(tmp_settings) as con:
        con.execute("delete from dq.results")
        con.execute("delete from dq.gate")
        context = resolve_run(con, tmp_settings)
        scores = section(con, context, "scores")
        summary = section(con, context, "summary")
    assert scores["checks"] == [] and scores["checks_total"] == 0
    assert scores["departments"]["rows"] == []
    assert summary["gates"] == [] and all(c["checks"] == 0 for c in summary["scores"].values())
