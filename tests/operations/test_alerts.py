"""Alerts: a failed task or a closed gate sends one message by e-mail (Airflow's SMTP settings)
and/or webhook, each off unless configured, and every alert is recorded in meta.alerts.
Tested against a real SMTP server and a real HTTP server on loopback."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import duckdb
import pytest

from pipelines.alerts import Alert, send_alert
from pipelines.settings import Settings, load_settings


@pytest.fixture
def smtp_server() -> Iterator[tuple[int, list]]:
    from aiosmtpd.controller import Controller

    received: list = []

    class Handler:
        async def handle_DATA(self, server, session, envelope):  # noqa: ANN001, ANN201, N802
            received.append(envelope)
            return "250 OK"

    import socket

    with socket.socket() as probe:  # a free port (the controller checks its own by connecting)
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(Handler(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield port, received
    finally:
        controller.stop()


@pytest.fixture
def webhook_server() -> Iterator[tuple[str, list]]:
    posted: list = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802
            length = int(self.headers["Content-Length"])
            posted.append((self.headers["Content-Type"], json.loads(self.rfile.read(length))))
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b'{"errcode":0}')

        def log_message(self, *args) -> None:  # noqa: ANN002
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/cgi-bin/webhook/send?key=test", posted
    finally:
        server.shutdown()


def _alerts(settings: Settings) -> list[tuple]:
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as con:
        return con.execute("select kind, dag_id, task_id, message, channels, delivery from meta.alerts").fetchall()


ALERT = Alert(
    kind="task_failed",
    dag_id="govdata_build",
    task_id="build",
    message="GovdataError: dbt build failed: model person",
    log_location="airflow_home/logs/dag_id=govdata_build/run_id=manual/task_id=build",
    run_id="20261101T013000Z-abc123",
)


def test_an_alert_goes_by_email_and_webhook_and_is_recorded(
    tmp_settings: Settings, monkeypatch: pytest.MonkeyPatch, smtp_server, webhook_server
) -> None:
    port, mails = smtp_server
    url, posts = webhook_server
    monkeypatch.setenv("AIRFLOW__SMTP__SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("AIRFLOW__SMTP__SMTP_PORT", str(port))
    monkeypatch.setenv("AIRFLOW__SMTP__SMTP_STARTTLS", "False")
    monkeypatch.setenv("AIRFLOW__SMTP__SMTP_MAIL_FROM", "govdata@county.example")
    settings = load_settings(alert_email="oncall@county.example, audit@county.example", alert_webhook=url)
    assert send_alert(settings, ALERT) == {"email": "sent", "webhook": "sent"}
    assert len(mails) == 1 and sorted(mails[0].rcpt_tos) == ["audit@county.example", "oncall@county.example"]
    body = mails[0].content.decode("utf-8", "replace")
    assert "govdata_build.build" in body and "dbt build failed" in body
    assert len(posts) == 1
    content_type, payload = posts[0]
    assert content_type.startswith("application/json") and payload["msgtype"] == "text"
    text = payload["text"]["content"]
    assert "govdata_build.build" in text and "dbt build failed" in text and "dag_id=govdata_build" in text
    [(kind, dag_id, task_id, message, channels, delivery)] = _alerts(settings)
    assert (kind, dag_id, task_id) == ("task_failed", "govdata_build", "build")
    assert channels == "email, webhook" and delivery == "email: sent; webhook: sent"


def test_with_no_channel_configured_nothing_is_sent_but_the_alert_is_recorded(tmp_settings: Settings) -> None:
    assert send_alert(tmp_settings, ALERT) == {}
    [row] = _alerts(tmp_settings)
    assert row[4] == "none configured" and row[5] == "recorded only"


def test_an_unreachable_channel_is_recorded_not_raised(tmp_settings: Settings) -> None:
    settings = load_settings(alert_webhook="http://127.0.0.1:9/nothing-listens-here")
    outcome = send_alert(settings, ALERT)
    assert outcome["webhook"].startswith("failed:")
    assert _alerts(settings)[0][5].startswith("webhook: failed:")


PROBE_DAG = """
from airflow.sdk import dag, task

from pipelines.dag_support import DEFAULT_ARGS, START_DATE


@dag(dag_id="govdata_alert_probe", schedule=None, start_date=START_DATE, catchup=False,
     default_args={**DEFAULT_ARGS, "retries": 0, "pool": "default_pool"})
def probe():
    @task
    def explode() -> None:
        raise RuntimeError("landing folder unreadable\\nsecond line never shown")

    explode()


probe()
"""


def test_a_failing_task_alerts_once_through_airflow(
    tmp_settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, webhook_server
) -> None:
    """A task of a DAG built with the project's default arguments fails: Airflow calls the
    failure callback, which posts one message naming the DAG, task and error's first line."""
    from airflow.dag_processing.dagbag import DagBag

    from pipelines.orchestrate import prepare_airflow

    from airflow.dag_processing.bundles.manager import DagBundlesManager

    prepare_airflow()  # the test session's Airflow home (tests/conftest.py)
    # dag.test() runs a DAG of a configured bundle: the probe goes into the folder of the
    # session's own bundle (under its temporary Airflow home)
    folder = Path(next(iter(DagBundlesManager().get_all_dag_bundles())).path)
    folder.mkdir(parents=True, exist_ok=True)
    probe_file = folder / "govdata_alert_probe.py"
    probe_file.write_text(PROBE_DAG, encoding="utf-8")
    url, posts = webhook_server
    monkeypatch.setenv("GOVDATA_ALERT_WEBHOOK", url)
    try:
        run = DagBag(str(folder)).dags["govdata_alert_probe"].test()
    finally:
        probe_file.unlink()
    assert str(getattr(run.state, "value", run.state)) == "failed"
    assert len(posts) == 1
    text = posts[0][1]["text"]["content"]
    assert "govdata_alert_probe.explode" in text
    assert "RuntimeError: landing folder unreadable" in text and "second line" not in text
    [row] = _alerts(load_settings())
    assert row[:3] == ("task_failed", "govdata_alert_probe", "explode")


def test_a_closed_gate_alerts(tmp_settings: Settings, monkeypatch: pytest.MonkeyPatch, webhook_server) -> None:
    from pipelines.dag_support import alert_gates_closed

    url, posts = webhook_server
    monkeypatch.setenv("GOVDATA_ALERT_WEBHOOK", url)
    alert_gates_closed({}, {"gates closed": "-"})
    assert posts == []
    alert_gates_closed({}, {"gates closed": "lib_credit", "data docs": "data/reports/data_docs/index.html"})
    assert len(posts) == 1 and "lib_credit" in posts[0][1]["text"]["content"]
    assert _alerts(load_settings())[0][0] == "gate_closed"
