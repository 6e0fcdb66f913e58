"""`govdata systems disposition`: records a decision on a ledger system, refuses what is not one."""

from __future__ import annotations

import duckdb
from typer.testing import CliRunner

from pipelines.cli import app
from pipelines.settings import Settings
from pipelines.warehouse import connect

runner = CliRunner()


def test_disposition_command_appends_a_decision(tmp_settings: Settings) -> None:
    args = ["systems", "disposition", "XT0001", "keep", "--note", "年报季使用", "--by", "李审核"]
    before = runner.invoke(app, args)
    assert before.exit_code != 0 and "govdata build" in str(before.exception)
    with connect(tmp_settings) as con:
        con.execute("create schema if not exists lib_systems")
        con.execute("create table lib_systems.information_system as select 'XT0001' as system_code")
    wrong = runner.invoke(app, ["systems", "disposition", "XT0001", "delete", "--note", "x", "--by", "y"])
    assert wrong.exit_code != 0  # not one of keep / retire / merge
    for _ in range(2):
        result = runner.invoke(app, args)
        assert result.exit_code == 0, result.output
        assert "XT0001 keep" in result.output
    with duckdb.connect(str(tmp_settings.warehouse_path), read_only=True) as con:
        rows = con.execute("select disposition_id, system_code, disposition, note, decided_by "
                           "from dq.system_dispositions order by 1").fetchall()
    assert rows == [(1, "XT0001", "keep", "年报季使用", "李审核"), (2, "XT0001", "keep", "年报季使用", "李审核")]


def test_thresholds_reach_dbt_from_the_settings(tmp_settings: Settings, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from pipelines.dbt import dbt_vars
    from pipelines.settings import load_settings

    assert dbt_vars(tmp_settings)["systems"] == tmp_settings.systems.model_dump(mode="json")
    monkeypatch.setenv("GOVDATA_SYSTEMS__IDLE_DAYS", "365")
    assert dbt_vars(load_settings())["systems"]["idle_days"] == 365
