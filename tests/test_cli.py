"""The govdata CLI: every stage command exists, status works on an empty warehouse, errors are
one line."""

from __future__ import annotations

from typer.testing import CliRunner

from pipelines.cli import app
from pipelines.settings import Settings
from pipelines.warehouse import record_stage

runner = CliRunner()

COMMANDS = ["generate", "ingest", "stage", "check", "resolve", "build", "findings", "publish", "report", "run", "status"]


def test_help_lists_every_stage_command() -> None:
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    for command in COMMANDS:
        assert command in result.output
    check = runner.invoke(app, ["check", "--help"])
    assert "staging" in check.output and "libraries" in check.output
    resolve = runner.invoke(app, ["resolve", "--help"])
    assert "persons" in resolve.output and "orgs" in resolve.output


def test_status_on_a_new_warehouse(tmp_settings: Settings) -> None:
    result = runner.invoke(app, ["status"])
    assert result.exit_code == 0, result.output
    assert "no stage has run yet" in result.output


def test_status_shows_recorded_stage_runs(tmp_settings: Settings) -> None:
    with record_stage("ingest", tmp_settings) as run:
        run.rows_in, run.rows_out = 10, 9
    try:
        with record_stage("stage", tmp_settings):
            raise RuntimeError("dbt exploded")
    except RuntimeError:
        pass
    result = runner.invoke(app, ["status"], terminal_width=200)
    assert result.exit_code == 0, result.output
    assert "ingest" in result.output and "success" in result.output
    assert "failed" in result.output and "dbt exploded" in result.output
