"""`make airflow` as users start it: the real scheduler (not dag.test()) runs the chain of the
project's DAGs on `tiny`, each DAG triggered by the Asset of the one before, up to the report's
Asset; the DAGs are unpaused, the API listens on 127.0.0.1 and the chain's run id travels
through the Asset events.

How long the chain takes (the target is within 5 minutes of the trigger on a quiet machine) is
printed and measured by hand (bench/README.md), not asserted: a timed test fails on a busy
machine for reasons that are not the code's. The generous limit below only stops a hung chain."""

from __future__ import annotations

import os
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import duckdb
import pytest

from pipelines.settings import Settings, load_settings

pytestmark = pytest.mark.e2e

CHAIN_TIMEOUT_S = 1500
REPORT_ASSET = "file:///govdata/reports"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _report_events(home: Path) -> int:
    try:
        with sqlite3.connect(f"file:{home / 'airflow.db'}?mode=ro", uri=True, timeout=5) as con:
            return con.execute(
                "select count(*) from asset_event e join asset a on a.id = e.asset_id where a.uri = ?", [REPORT_ASSET]
            ).fetchone()[0]
    except sqlite3.Error:
        return 0


def test_the_scheduler_runs_the_chain_to_the_report(
    tmp_settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    generated_county: Callable[[Settings], None],
) -> None:
    from pipelines.airflow_ui import serve, server_environment, stop
    from pipelines.orchestrate import airflow_environment

    home = tmp_path / "airflow_home"
    for key, value in airflow_environment(home).items():
        monkeypatch.setenv(key, value)  # restored afterwards: the session's Airflow stays as it was
    monkeypatch.setenv("GOVDATA_AIRFLOW_PORT", str(_free_port()))
    # no scheduled run may start on its own (Airflow runs the latest missed one on unpausing):
    # the next 29 February is after the test, the last one before the DAGs' start date
    monkeypatch.setenv("GOVDATA_INGEST_SCHEDULE", "0 0 29 2 *")
    settings = load_settings()
    generated_county(settings)  # what generate(settings) writes
    lines: list[str] = []
    with open(tmp_path / "airflow.log", "wb") as output:
        process = serve(settings, home, echo=lines.append, output=output.fileno())
        try:
            text = "\n".join(lines)
            assert "none paused" in text and "log in as admin / " in text
            assert "API bound to 127.0.0.1" in text and f"up to {os.cpu_count()} tasks at once" in text
            with sqlite3.connect(f"file:{home / 'airflow.db'}?mode=ro", uri=True) as con:
                paused = con.execute("select dag_id from dag where is_paused").fetchall()
            assert paused == []
            env = {**os.environ, **server_environment(settings, home)}
            done = subprocess.run(
                [sys.executable, "-m", "airflow", "dags", "trigger", "govdata_ingest"],
                env=env, capture_output=True, text=True, timeout=120,
            )
            assert done.returncode == 0, done.stderr[-2000:]
            triggered = time.monotonic()
            while _report_events(home) == 0 and time.monotonic() < triggered + CHAIN_TIMEOUT_S:
                assert process.poll() is None, "airflow standalone stopped"
                time.sleep(3)
            assert _report_events(home) > 0, (tmp_path / "airflow.log").read_bytes()[-3000:].decode("utf-8", "replace")
            print(f"chain from trigger to the report Asset: {time.monotonic() - triggered:.0f} s")
        finally:
            stop(process)
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as con:
        chains = con.execute(
            "select stage, chain_run_id from meta.runs where stage in ('ingest', 'build', 'report')"
        ).fetchall()
    ids = {chain for _, chain in chains}
    assert {stage for stage, _ in chains} == {"ingest", "build", "report"}
    assert len(ids) == 1, f"one chain, one run id: {chains}"
