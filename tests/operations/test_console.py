"""What the console says: `govdata ingest` names the warehouse it wrote and every deferred file
with its reason; flags' help says what they mean; progress lines are rate-limited per stage."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from pipelines.cli import app
from pipelines.settings import Settings
from tests.ingest import crafted


def test_ingest_names_the_warehouse_and_each_deferred_file_with_its_reason(
    tmp_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    crafted.install(monkeypatch)
    landing = tmp_settings.landing_path
    crafted.deliver(landing, "人员名单.csv", crafted.csv_text([crafted.person(1)]))
    for i in range(3):  # dated after the as-of date (2026-11-01)
        crafted.deliver(landing, f"人员名单_{i}.csv", crafted.csv_text([crafted.person(10 + i)]), day="2026-11-20")
    result = CliRunner().invoke(app, ["ingest"], terminal_width=250)
    assert result.exit_code == 0, result.output
    assert str(tmp_settings.warehouse_path) in result.output.replace("\n", "")
    assert "deferred files" in result.output
    for i in range(3):
        assert f"人员名单_{i}.csv" in result.output
    assert result.output.count("after the as-of date 2026-11-01") == 3


def test_flag_help_says_what_the_flag_means() -> None:
    result = CliRunner().invoke(app, ["--help"], terminal_width=120)
    assert "--debug" in result.output and "show full tracebacks" in result.output
    assert "<bool>" not in result.output


def test_progress_lines_are_rate_limited_but_the_last_always_shows(monkeypatch: pytest.MonkeyPatch) -> None:
    from pipelines import progress

    lines: list[str] = []
    progress.advance("ingest", 1, 3, "files")  # nobody listening: nothing happens
    with progress.shown_by(lines.append):
        for done in range(1, 101):
            progress.advance("dbt build", done, 100, "nodes")
    assert lines[0] == "  dbt build: 1/100 nodes" and lines[-1] == "  dbt build: 100/100 nodes"
    assert len(lines) == 2  # a fast stage: its first and last step only
