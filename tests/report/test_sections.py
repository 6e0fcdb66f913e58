"""Every section from a small crafted warehouse (tests/report/crafted.py), with its numbers
checked against what was crafted, and with the tables of later stages missing or empty."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipelines.errors import GovdataError
from pipelines.report import NOT_RUN, SECTIONS, resolve_run
from pipelines.report._run import write_report
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


def _craft_systems(con) -> None:
    con.execute("create schema if not exists lib_systems")
    con.execute("create table lib_systems.information_system (system_code varchar)")
    con.execute("insert into lib_systems.information_system values ('S1'), ('S2'), ('S3'), ('S4')")
    con.execute(
        "create table lib_systems.zombie_candidate (system_code varchar, system_name varchar, owner varchar, "
        "reasons varchar[], last_business_activity date, annual_cost decimal(38,6), review_status varchar)"
    )
    con.execute(
        "insert into lib_systems.zombie_candidate values "
        "('S1', '旧审批系统', '县行政审批服务局', ['400 天无业务访问 no business activity for 400 days'], '2025-09-27', 12.5, 'new'), "
        "('S2', '值班系统', '县应急管理局', ['仅 1 个账号登录 logins of 1 account only'], null, 3.0, 'keep')"
    )
    con.execute(
        "create table lib_systems.shadow_candidate (system_code_a varchar, system_code_b varchar, "
        "system_name_a varchar, system_name_b varchar, overlap double, reasons varchar[], "
        "primary_system_code varchar, secondary_system_code varchar, secondary_annual_cost decimal(38,6), "
        "review_status varchar)"
    )
    con.execute(
        "insert into lib_systems.shadow_candidate values ('S3', 'S4', '人口库', '人口信息库', 0.8, "
        "['数据资源重合 0.8 overlap', '名称相近 names alike'], 'S3', 'S4', 7.25, 'new')"
    )
    con.execute(
        "create table lib_systems.cloud_migration (scope varchar, unit varchar, systems_in_use bigint, "
        "systems_classified bigint, systems_level_excluded bigint, systems_fit bigint, systems_fit_on_cloud bigint, "
        "cloud_share double, target_share double, systems_to_move bigint, meets_target boolean)"
    )
    con.execute(
        "insert into lib_systems.cloud_migration values "
        "('county', '茌平区', 4, 1, 0, 3, 2, 0.6667, 0.7, 1, false), "
        "('department', '县行政审批服务局', 2, 0, 0, 2, 2, 1.0, 0.7, 0, true)"
    )


def test_systems_section_shows_candidates_evidence_savings_and_cloud_share(session) -> None:
    con, context = session
    _craft_systems(con)
    systems = section(con, context, "systems")
    assert systems["status"] == "ok" and systems["systems"] == 4
    assert [z["system_code"] for z in systems["zombies"]] == ["S1", "S2"]  # costliest first
    assert systems["zombies"][0]["reasons"] == ["400 天无业务访问 no business activity for 400 days"]
    # a candidate kept by the reviewers saves nothing
    assert systems["savings_zombies"] == 12.5 and systems["savings_shadows"] == 7.25
    assert systems["zombies"][1]["review_label"] == "保留 kept"
    assert systems["county"]["cloud_share"] == 0.6667 and systems["county"]["systems_to_move"] == 1
    assert [d["unit"] for d in systems["departments"]] == ["县行政审批服务局"]


def test_systems_section_is_rendered_with_its_evidence(tmp_settings: Settings) -> None:
    craft(tmp_settings)
    with connect(tmp_settings) as con:
        _craft_systems(con)
    outputs = write_report(tmp_settings)
    page = Path(outputs["report"]).read_text(encoding="utf-8")
    assert '<td class="n" id="systems-zombies">2</td>' in page
    assert "400 天无业务访问" in page and "数据资源重合 0.8 overlap" in page and "66.7%" in page


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


def test_catalog_section_shows_resources_requests_packages_and_the_log_head_of_its_run(session) -> None:
    from datetime import date

    from pipelines.share import log
    from pipelines.share.stage import _DDL as REQUESTS_DDL

    con, context = session
    con.execute('create table catalog.resources ("类" varchar, "共享类型" varchar)')
    con.execute("insert into catalog.resources values ('基础信息资源', '有条件共享'), ('部门信息资源', '有条件共享'), "
                "('部门信息资源', '不予共享')")
    con.execute("create table catalog.items (code varchar)")
    con.execute(REQUESTS_DDL)
    con.execute(
        "insert into catalog.share_requests (run_id, as_of, request_id, request_file, requester, resource_code, "
        "status, reason, package, row_count) values "
        f"('{context.run_id}', '2026-11-01', 'R1', 'r1.yaml', 'minzheng', '101001/00001', 'granted', 'ok', 'minzheng/R1', 42), "
        f"('{context.run_id}', '2026-11-01', 'R2', 'r2.yaml', 'minzheng', '101001/00001', 'refused', 'no approval', null, null), "
        "('an-earlier-run', '2026-11-01', 'R0', 'r0.yaml', 'jiaoyu', '101001/00001', 'granted', 'ok', 'jiaoyu/R0', 7)"
    )
    entry = log.Entry("decision", "R1", "minzheng", "gongan", "101001/00001", {"status": "granted"})
    seq, digest = log.append(con, [entry], context.run_id, date(2026, 11, 1))
    log.append(con, [log.Entry("decision", "R9", "x", "y", None, {})], "a-later-run", date(2026, 11, 2))
    catalog = section(con, context, "catalog")
    assert catalog["status"] == "ok" and catalog["resources"] == 3
    assert catalog["by_sharing_type"] == [{"type": "不予共享", "count": 1}, {"type": "有条件共享", "count": 2}]
    assert catalog["requests"] == [{"status": "granted", "count": 1}, {"status": "refused", "count": 1}]
    assert catalog["packages"] == [{"consumer": "minzheng", "request_id": "R1", "resource": "101001/00001", "rows": 42}]
    # the head as of this run, not the log's current head (a rebuilt report stays the same)
    assert catalog["log_head"] == {"seq": seq, "sha256": digest}
