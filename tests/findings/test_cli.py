"""`govdata findings`, `findings list` and `findings disposition` on a crafted warehouse."""

from __future__ import annotations

import duckdb
from typer.testing import CliRunner

from pipelines.cli import app
from pipelines.settings import Settings
from tests.findings.crafted import Crafted
from tests.findings.test_stage import plant

runner = CliRunner()


def test_findings_commands(tmp_settings: Settings, crafted: Crafted) -> None:
    plant(crafted)
    ran = runner.invoke(app, ["findings"])
    assert ran.exit_code == 0, ran.output
    assert "benefits_after_death" in ran.output
    listed = runner.invoke(app, ["findings", "list", "--rule", "licence_after_deregistration"])
    assert listed.exit_code == 0, listed.output
    assert "findings (1)" in listed.output
    assert "licence_after_deregistration" in listed.output and "benefits_after_death" not in listed.output
    with duckdb.connect(str(tmp_settings.warehouse_path), read_only=True) as con:
        (finding,) = con.execute("select finding_id from dq.findings where rule = 'benefits_after_death'").fetchone()
    decided = runner.invoke(app, ["findings", "disposition", finding, "false_alarm", "--note", "补发", "--by", "审计员甲",
                                  "--date", "2026-11-05"])
    assert decided.exit_code == 0, decided.output
    with duckdb.connect(str(tmp_settings.warehouse_path), read_only=True) as con:
        assert con.execute("select disposition, decided_by, origin from dq.finding_dispositions").fetchall() == [
            ("false_alarm", "审计员甲", "cli")]
        assert con.execute("select false_alarm, precision from dq.finding_rule_outcomes "
                           "where rule = 'benefits_after_death'").fetchall() == [(1, 0.0)]
    unknown = runner.invoke(app, ["findings", "disposition", "Fnothing", "confirmed", "--note", "x", "--by", "y"])
    assert unknown.exit_code != 0
    bad_status = runner.invoke(app, ["findings", "list", "--status", "maybe"])
    assert bad_status.exit_code != 0
