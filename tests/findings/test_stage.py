"""The stage on a crafted warehouse: stable ids across a re-delivery and a correction, statuses
from run to run, dispositions that survive reruns, dispositions files, masking in dq.*."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import pytest

from pipelines.findings import run_findings
from pipelines.findings.dispositions import DispositionError, record
from pipelines.findings.listing import list_findings
from pipelines.runs import chain_scope
from pipelines.settings import Settings
from tests.findings.crafted import Crafted

DEATHS = "staging.stg_weijian__death_certificate"
PAYMENTS = "staging.stg_renshe__payments"
ENTERPRISE = "staging.stg_shichang__enterprise"
NAME, ID_NUMBER = "欧阳明远", "371523195001011234"


def plant(crafted: Crafted) -> None:
    """A pension paid two months after a death, and a licence valid after a deregistration."""
    crafted.add(DEATHS, person="P1", certificate_no="D001", name=NAME, id_number=ID_NUMBER,
                death_date=date(2026, 3, 15))
    for period in ("202603", "202604", "202605"):
        crafted.add(PAYMENTS, person="P1", personal_no="N1", name=NAME, id_number=ID_NUMBER, period=period,
                    business_type="待遇发放", amount=2000.0)
    crafted.add(ENTERPRISE, org="O1", uscc="91371503MA3C000011", status="注销", deregistered=date(2026, 5, 1),
                legal_rep=NAME, legal_rep_id=ID_NUMBER)
    crafted.add("lib_elicense.elicence", source="dzzz__org_licence", org_id="O1", licence_no="L-1",
                is_valid_as_of=True)


def run(settings: Settings, run_id: str) -> dict:
    with chain_scope(run_id):
        return run_findings(settings)


def latest(settings: Settings) -> dict[str, dict]:
    with duckdb.connect(str(settings.warehouse_path)) as con:
        return {row["finding_id"]: row for row in list_findings(con)}


def redeliver(crafted: Crafted, sha: str) -> None:
    """Every staged row re-delivered in a file with another hash (new row ids, same contents)."""
    for table in ("staging.stg_weijian__death_certificate", PAYMENTS, ENTERPRISE, "lib_elicense.elicence"):
        crafted.query(f"update {table} set row_id = regexp_replace(row_id, ':[0-9a-f]{{12}}:', ':{sha}:')")
    crafted.query(f"update er.person_xref set record_id = regexp_replace(record_id, ':[0-9a-f]{{12}}:', ':{sha}:')")
    crafted.query(f"update er.org_xref set record_id = regexp_replace(record_id, ':[0-9a-f]{{12}}:', ':{sha}:')")


def test_ids_survive_redelivery_and_correction_and_findings_close(tmp_settings: Settings, crafted: Crafted) -> None:
    plant(crafted)
    first = run(tmp_settings, "20261101T000000Z-aaaaaa")
    assert first["findings"] == 2 and first["new"] == 2
    ids = set(latest(tmp_settings))
    with duckdb.connect(str(tmp_settings.warehouse_path)) as con:
        with pytest.raises(DispositionError):
            record(con, "Fnope", "confirmed", "x", "审计员甲", date(2026, 11, 2))
        pension = next(f for f, r in latest(tmp_settings).items() if r["rule"] == "benefits_after_death")
        record(con, pension, "confirmed", "家属已退回", "审计员甲", date(2026, 11, 2))
    # a re-delivered snapshot (new file hashes) and a corrected amount: the same findings
    redeliver(crafted, "cccccccccccc")
    crafted.query(f"update {PAYMENTS} set amount = 2100 where period = '202605'")
    second = run(tmp_settings, "20261102T000000Z-bbbbbb")
    now = latest(tmp_settings)
    assert set(now) == ids and second["new"] == 0 and {r["status"] for r in now.values()} == {"open"}
    assert now[pension]["disposition"] == "confirmed"
    assert now[pension]["amount"] == 4100.0
    assert now[pension]["first_seen_run"] == "20261101T000000Z-aaaaaa"
    # the licence is cancelled: the finding closes, and stays closed on the next runs
    crafted.query("update lib_elicense.elicence set is_valid_as_of = false")
    third = run(tmp_settings, "20261103T000000Z-cccccc")
    assert third["closed"] == 1
    fourth = run(tmp_settings, "20261104T000000Z-dddddd")
    assert fourth["closed"] == 0
    statuses = {r["rule"]: r["status"] for r in latest(tmp_settings).values()}
    assert statuses == {"benefits_after_death": "open", "licence_after_deregistration": "closed"}
    assert latest(tmp_settings)[pension]["disposition"] == "confirmed"
    with duckdb.connect(str(tmp_settings.warehouse_path)) as con:
        outcomes = con.execute("""select rule, findings, confirmed, false_alarm, precision
                                  from dq.finding_rule_outcomes where run_id = '20261104T000000Z-dddddd'
                                  and rule in ('benefits_after_death', 'licence_after_deregistration')
                                  order by rule""").fetchall()
    assert outcomes == [("benefits_after_death", 1, 1, 0, 1.0), ("licence_after_deregistration", 0, 0, 0, None)]


def test_rerun_under_the_same_run_id_replaces_its_rows(tmp_settings: Settings, crafted: Crafted) -> None:
    plant(crafted)
    run(tmp_settings, "20261101T000000Z-aaaaaa")
    again = run(tmp_settings, "20261101T000000Z-aaaaaa")
    assert again["new"] == 2
    with duckdb.connect(str(tmp_settings.warehouse_path)) as con:
        assert con.execute("select count(*) from dq.findings").fetchone()[0] == 2
        assert con.execute("select count(*) from dq.finding_evidence").fetchone()[0] == 5


def write_file(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def test_dispositions_file_applied_once_and_bad_file_rejected_whole(tmp_settings: Settings, crafted: Crafted) -> None:
    plant(crafted)
    run(tmp_settings, "20261101T000000Z-aaaaaa")
    ids = sorted(latest(tmp_settings))
    folder = tmp_settings.dispositions_path
    header = "finding_id,disposition,note,by,date\n"
    write_file(folder, "good.csv", header + f"{ids[0]},false_alarm,已核实正常,审计员乙,2026-11-03\n"
               + f"{ids[1]},explained,补发,审计员乙,2026-11-03\n")
    summary = run(tmp_settings, "20261102T000000Z-bbbbbb")
    assert summary["dispositions recorded"] == 2
    write_file(folder, "copy.csv", (folder / "good.csv").read_text(encoding="utf-8"))  # the same file again
    bad = header + f"{ids[0]},confirmed,核实,审计员丙,2026-11-04\n{ids[1]},maybe,不确定,审计员丙,2026-11-04\n"
    write_file(folder, "bad.csv", bad)
    summary = run(tmp_settings, "20261103T000000Z-cccccc")
    assert summary["dispositions recorded"] == 0
    assert summary["dispositions files rejected"] == [
        "bad.csv: line 3: disposition 'maybe' is not one of confirmed, explained, false_alarm"]
    with duckdb.connect(str(tmp_settings.warehouse_path)) as con:
        rows = con.execute("select finding_id, disposition, origin from dq.finding_dispositions order by 1").fetchall()
    assert [(f, d) for f, d, _ in rows] == [(ids[0], "false_alarm"), (ids[1], "explained")]
    assert all(origin.startswith("file:") for *_, origin in rows)
    assert {r["disposition"] for r in latest(tmp_settings).values()} == {"false_alarm", "explained"}


def test_only_masked_values_in_dq(tmp_settings: Settings, crafted: Crafted) -> None:
    plant(crafted)
    run(tmp_settings, "20261101T000000Z-aaaaaa")
    with duckdb.connect(str(tmp_settings.warehouse_path)) as con:
        text = " ".join(
            str(value)
            for table in ("dq.findings", "dq.finding_evidence", "dq.finding_rule_outcomes")
            for row in con.execute(f"select * from {table}").fetchall()
            for value in row
        )
    assert text.strip()
    assert NAME not in text and ID_NUMBER not in text and "N1" not in text.split()


def test_texts_are_scrubbed_of_ids_and_mobiles_wherever_they_appear() -> None:
    """The column-wide scrub masks what the per-text scrub masks (an ID, a legacy ID, a mobile,
    full-width digits) and leaves every other text, nulls included, as it was."""
    import polars as pl

    from pipelines.findings.stage import _scrub, scrub_texts

    texts = [
        None, "", "已死亡仍领取养老金 2 个月，共 4000.0 元", f"身份证 {ID_NUMBER} 死亡后领取",
        "联系电话13812345678。", "旧证 371523500101123 登记", "１３８１２３４５６７８", "编号A371523195001011234",
        "金额 123456789012.5", f"{ID_NUMBER}、13912345678",
    ]
    scrubbed = scrub_texts(pl.Series(texts, dtype=pl.String)).to_list()
    assert scrubbed == [_scrub(t) for t in texts]
    assert ID_NUMBER not in scrubbed[3] and "13812345678" not in scrubbed[4]
    assert scrubbed[2] == texts[2] and scrubbed[0] is None
