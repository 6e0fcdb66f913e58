"""Alerts: a failed task or a closed quality gate tells the people on call, once.

One message names the DAG, the task, the error's first line and where the log is. It goes by
e-mail through Airflow's own SMTP settings (`[smtp]`, i.e. `AIRFLOW__SMTP__SMTP_HOST` ...) to the
`alert_email` recipients, and/or as a JSON POST to `alert_webhook` (a WeCom or DingTalk group robot
takes `{"msgtype": "text", "text": {"content": ...}}`); each channel is off until configured. Every
alert is also recorded in `meta.alerts`, delivered or not, so a shift can see what was sent.
"""

from __future__ import annotations

import json
import smtplib
import urllib.request
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any

from pipelines.settings import Settings

ALERTS_DDL = """
create table if not exists meta.alerts (
    run_id varchar,
    kind varchar not null,
    dag_id varchar,
    task_id varchar,
    message varchar not null,
    log_location varchar,
    channels varchar not null,
    delivery varchar not null,
    recorded_at timestamp not null
)
"""

WEBHOOK_TIMEOUT_S = 10
SMTP_TIMEOUT_S = 10


@dataclass(frozen=True)
class Alert:
    """What one alert says."""

    kind: str  # "task_failed" or "gate_closed"
    dag_id: str
    task_id: str
    message: str  # the error's first line, or which gates closed
    log_location: str
    run_id: str | None = None

    @property
    def subject(self) -> str:
        what = "任务失败 task failed" if self.kind == "task_failed" else "质量闸门关闭 quality gate closed"
        return f"[govdata] {what}: {self.dag_id}.{self.task_id}"

    @property
    def text(self) -> str:
        return (
            f"{self.subject}\n{self.message}\n"
            f"run id: {self.run_id or '-'}\nlog: {self.log_location or '-'}"
        )


def send_alert(settings: Settings, alert: Alert) -> dict[str, str]:
    """Send `alert` on every configured channel and record it in `meta.alerts`.

    A channel that fails is recorded with its error; it never hides the failure being reported
    (the caller's task fails or succeeds as it would have).

    Returns:
        The outcome per channel (`sent`, or the error), empty when none is configured.
    """
    delivery: dict[str, str] = {}
    if settings.alert_email:
        delivery["email"] = _guarded(_send_email, settings, alert)
    if settings.alert_webhook:
        delivery["webhook"] = _guarded(_post_webhook, settings, alert)
    _record(settings, alert, delivery)
    return delivery


def first_line(error: BaseException | str | None) -> str:
    """The first non-empty line of an error, prefixed with its type."""
    if error is None:
        return "failed (no exception recorded)"
    text = str(error).strip()
    line = next((part for part in text.splitlines() if part.strip()), "")
    return f"{type(error).__name__}: {line}" if isinstance(error, BaseException) else line


def _guarded(send: Any, settings: Settings, alert: Alert) -> str:
    try:
        send(settings, alert)
    except Exception as exc:  # noqa: BLE001 - the outcome is recorded, the alert must not raise
        return f"failed: {type(exc).__name__}: {exc}"[:300]
    return "sent"


def _send_email(settings: Settings, alert: Alert) -> None:
    """Through Airflow's SMTP settings (the same ones its own e-mail uses)."""
    from airflow.configuration import conf

    host = conf.get("smtp", "smtp_host")
    port = conf.getint("smtp", "smtp_port")
    sender = conf.get("smtp", "smtp_mail_from")
    message = EmailMessage()
    message["Subject"] = alert.subject
    message["From"] = sender
    message["To"] = ", ".join(settings.alert_recipients)
    message.set_content(alert.text)
    client = smtplib.SMTP_SSL if conf.getboolean("smtp", "smtp_ssl", fallback=False) else smtplib.SMTP
    with client(host, port, timeout=SMTP_TIMEOUT_S) as smtp:
        if conf.getboolean("smtp", "smtp_starttls", fallback=False) and client is smtplib.SMTP:
            smtp.ehlo()
            if smtp.has_extn("starttls"):
                smtp.starttls()
        user = conf.get("smtp", "smtp_user", fallback=None)
        password = conf.get("smtp", "smtp_password", fallback=None)
        if user and password:
            smtp.login(user, password)
        smtp.send_message(message)


def _post_webhook(settings: Settings, alert: Alert) -> None:
    body = json.dumps({"msgtype": "text", "text": {"content": alert.text}}, ensure_ascii=False).encode("utf-8")
    request = urllib.request.Request(
        settings.alert_webhook, data=body, headers={"Content-Type": "application/json; charset=utf-8"}, method="POST"
    )
    with urllib.request.urlopen(request, timeout=WEBHOOK_TIMEOUT_S) as response:  # noqa: S310 - configured URL
        if response.status >= 300:
            raise RuntimeError(f"HTTP {response.status}")


def _record(settings: Settings, alert: Alert, delivery: dict[str, str]) -> None:
    from pipelines.warehouse import connect, utc_now

    with connect(settings) as con:
        con.execute(ALERTS_DDL)
        con.execute(
            "insert into meta.alerts values (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                alert.run_id,
                alert.kind,
                alert.dag_id,
                alert.task_id,
                alert.message,
                alert.log_location,
                ", ".join(sorted(delivery)) or "none configured",
                "; ".join(f"{k}: {v}" for k, v in sorted(delivery.items())) or "recorded only",
                utc_now(),
            ],
        )
