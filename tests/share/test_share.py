"""Sharing by the catalog: a request of each kind, a requester's own approval refused, packages
masked and reproducible, the log's chain and packages verified, and the report's summary."""

from __future__ import annotations

import json

import duckdb
import polars as pl

from pipelines.share.audit import catalog_summary, list_shares, verify

HR, IB, TAX = "gongan__household_register", "shichang__individual_business", "shuiwu__monthly_tax"


def test_a_request_of_each_kind(share_env) -> None:
    env = share_env
    env.request("R-GRANTED", "zhujian", IB, ["uscc", "name", "operator"])
    env.request("R-APPROVED", "minzheng", HR, ["id_number", "name", "status"])
    env.approval("gongan", "R-APPROVED", clear_items=["id_number"])
    env.request("R-NO-APPROVAL", "weijian", HR, ["name", "status"])
    env.request("R-NOT-SHARED", "fagai", TAX, ["taxpayer_id", "amount"])
    env.request("R-PARTIAL", "zhujian", IB, ["uscc", "operator_id"])
    env.request("R-UNKNOWN-ITEM", "jiaoyu", HR, ["name", "salary"])
    env.request("R-UNKNOWN-DEPT", "nobody", HR, ["name"])
    (env.settings.requests_path / "R-NO-BASIS.yaml").write_text(
        "request_id: R-NO-BASIS\nrequester: jiaoyu\nresource: x\nitems: [name]\npurpose: p\n"
        "period: {from: 2026-01-01, to: 2027-01-01}\n", encoding="utf-8")
    env.request("R-EXPIRED", "minzheng", HR, ["name"], period={"from": "2024-01-01", "to": "2025-01-01"})
    env.request("R-APPROVAL-EXPIRED", "jiaoyu", HR, ["name"])
    env.approval("gongan", "R-APPROVAL-EXPIRED", period={"from": "2025-01-01", "to": "2025-12-31"})
    env.share()
    d = env.decisions()
    assert d["R-GRANTED"][0] == "granted"
    assert d["R-APPROVED"][0] == "granted"
    assert d["R-NO-APPROVAL"] == ("refused", d["R-NO-APPROVAL"][1]) and "no approval by the provider (gongan)" in d["R-NO-APPROVAL"][1]
    assert d["R-NOT-SHARED"][0] == "refused" and "《中华人民共和国税收征收管理法》" in d["R-NOT-SHARED"][1]
    assert d["R-PARTIAL"][0] == "partial" and "operator_id: 有条件共享 (the item's own type)" in d["R-PARTIAL"][1]
    assert d["R-UNKNOWN-ITEM"][0] == "malformed" and "R-UNKNOWN-ITEM.yaml: field items: salary" in d["R-UNKNOWN-ITEM"][1]
    assert d["R-UNKNOWN-DEPT"][0] == "malformed" and "field requester" in d["R-UNKNOWN-DEPT"][1]
    assert d["R-NO-BASIS"][0] == "malformed" and "R-NO-BASIS.yaml: field legal_basis" in d["R-NO-BASIS"][1]
    assert d["R-EXPIRED"][0] == "expired"
    assert d["R-APPROVAL-EXPIRED"][0] == "refused" and "expired on 2025-12-31" in d["R-APPROVAL-EXPIRED"][1]
    served = {(p.parent.name, p.name) for p in env.settings.share_path.glob("*/*")}
    assert served == {("zhujian", "R-GRANTED"), ("minzheng", "R-APPROVED"), ("zhujian", "R-PARTIAL")}
    # granted items only; personal items masked unless the approval grants them in clear
    approved = pl.read_parquet(env.settings.share_path / "minzheng/R-APPROVED/data.parquet")
    assert approved.columns == ["id_number", "name", "status"]
    assert set(approved["id_number"]) == {"11010519491231002X", "440524188001010014"}
    assert set(approved["name"]) == {"张**", "李*"}
    assert pl.read_parquet(env.settings.share_path / "zhujian/R-PARTIAL/data.parquet").columns == ["uscc"]
    csv = (env.settings.share_path / "zhujian/R-GRANTED/data.csv").read_bytes()
    assert csv.startswith(b"\xef\xbb\xbf") and "张**".encode() in csv and "张小明".encode() not in csv
    manifest = json.loads((env.settings.share_path / "minzheng/R-APPROVED/manifest.json").read_text(encoding="utf-8"))
    assert manifest["row_count"] == 2 and manifest["source_run_id"] == "run-1"
    assert {i["item"]: i["masking"] for i in manifest["items"]} == {
        "id_number": "clear (granted by the approval)", "name": "masked", "status": "none"}
    listed = {r["request_id"]: r for r in list_shares(env.con)}
    assert listed["R-APPROVED"]["receives"][0].startswith("id_number (clear)")


def test_a_requesters_own_approval_is_refused(share_env) -> None:
    env = share_env
    env.request("R-OWN", "minzheng", HR, ["name"])
    env.approval("minzheng", "R-OWN")  # filed by the requester, not by gongan
    env.approval("weijian", "R-OWN")  # nor can a third department approve
    env.share()
    status, reason = env.decisions()["R-OWN"]
    assert status == "refused"
    assert "approved by the requesting department itself" in reason and "not by the provider gongan" in reason
    assert not (env.settings.share_path / "minzheng" / "R-OWN").exists()


def test_rerun_gives_the_same_bytes_and_withdrawal_removes_the_package(share_env) -> None:
    env = share_env
    env.request("R-1", "minzheng", HR, ["id_number", "name", "address", "phone", "status"])
    env.approval("gongan", "R-1")
    env.share()
    folder = env.settings.share_path / "minzheng" / "R-1"
    first = {p.name: p.read_bytes() for p in folder.iterdir()}
    env.share()
    second = {p.name: p.read_bytes() for p in folder.iterdir()}
    assert first["data.parquet"] == second["data.parquet"] and first["data.csv"] == second["data.csv"]
    m1, m2 = (json.loads(m["manifest.json"]) for m in (first, second))
    assert m1.pop("source_run_id") == "run-1" and m2.pop("source_run_id") == "run-2" and m1 == m2
    env.request("R-1", "minzheng", HR, ["name"], withdrawn=True)
    env.share()
    assert not folder.exists()
    events = env.con.execute(
        "select event, detail from catalog.share_log where request_id = 'R-1' order by seq").fetchall()
    assert [e for e, _ in events][-2:] == ["decision", "package_removed"]
    assert "withdrawn" in events[-1][1]
    assert verify(env.con, env.settings) == []


def test_verify_names_a_tampered_log_entry_or_package_file(share_env) -> None:
    env = share_env
    env.request("R-1", "zhujian", IB, ["uscc", "name"])
    env.share()
    env.share()
    head = env.con.execute("select entry_hash from catalog.share_log order by seq desc limit 1").fetchone()[0]
    assert verify(env.con, env.settings, head) == []
    # a package file changed after it was written
    csv = env.settings.share_path / "zhujian" / "R-1" / "data.csv"
    csv.write_bytes(csv.read_bytes() + b"extra,row\n")
    assert verify(env.con, env.settings) == ["zhujian/R-1/data.csv: SHA-256 does not match the manifest"]
    csv.unlink()
    # a log entry quietly edited
    env.con.execute("update catalog.share_log set detail = replace(detail, 'granted', 'refused') where seq = 1")
    problems = verify(env.con, env.settings)
    assert problems[0] == "share_log entry 1: its contents do not match its hash (edited)"
    assert "zhujian/R-1/data.csv: missing" in problems
    # the whole log rewritten consistently no longer holds the head auditors were given
    env.con.execute("delete from catalog.share_log")
    assert any("is not in the log" in p for p in verify(env.con, env.settings, head))


def test_catalog_summary_for_the_report(share_env) -> None:
    env = share_env
    env.con.execute("create schema if not exists catalog")
    resources = env.catalog.resources  # noqa: F841
    env.con.execute("create table catalog.resources as select * from resources")
    env.request("R-1", "zhujian", IB, ["uscc"])
    env.request("R-2", "fagai", TAX, ["amount"])
    env.share()
    summary = catalog_summary(env.con, "run-1")
    total = summary["resources_by_sharing_type"]["total"]
    assert sum(total.values()) == env.catalog.resources.height and total["不予共享"] >= 1
    assert summary["requests"] == {"granted": 1, "refused": 1}
    assert summary["packages"] == [{"consumer": "zhujian", "request_id": "R-1", "resource": env.catalog.spec_by_code(
        summary["packages"][0]["resource"]).code, "rows": 1}]
    assert summary["log_head"]["seq"] == 3 and len(summary["log_head"]["sha256"]) == 64
    assert catalog_summary(duckdb.connect(), "x")["requests"] is None  # not run yet


def test_a_library_whose_quality_gate_is_closed_is_not_shared(share_env) -> None:
    env = share_env
    indicator = next(s for s in env.catalog.specs if s.table == "lib_macro.indicator_fact")
    env.request("R-LIB", "fagai", indicator.code, [indicator.items[0].name])
    env.share(held=None)  # no check has run: dq.gate says nothing, so the library's gate is closed
    status, reason = env.decisions()["R-LIB"]
    assert status == "held" and "lib_macro quality gate is closed" in reason
    assert not (env.settings.share_path / "fagai").exists()


def test_cli_verify_exits_non_zero_naming_the_file(share_env) -> None:
    from typer.testing import CliRunner

    from pipelines.cli import app

    env = share_env
    env.request("R-1", "zhujian", IB, ["uscc", "name"])
    env.share()
    env.con.execute("checkpoint")
    runner = CliRunner()
    ok = runner.invoke(app, ["share", "verify"])
    assert ok.exit_code == 0, ok.output
    (env.settings.share_path / "zhujian" / "R-1" / "data.parquet").write_bytes(b"not the data")
    bad = runner.invoke(app, ["share", "verify"])
    assert bad.exit_code == 1
    assert "zhujian/R-1/data.parquet: SHA-256 does not match the manifest" in bad.output
    listed = runner.invoke(app, ["share", "list"])
    assert "zhujian" in listed.output and "R-1" in listed.output
