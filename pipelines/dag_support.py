"""Shared DAG settings and the Assets that chain the stage DAGs (one Asset per stage output).

It lives in the package, not in dags/, because Airflow 3 does not put the DAGs folder on
sys.path: every DAG file imports it as `pipelines.dag_support`.

No DAG lives here, and nothing in this file does work at import.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from typing import Any

from airflow.sdk import Asset

from pipelines.orchestrate import WAREHOUSE_POOL
from pipelines.settings import parsing_settings

START_DATE = datetime(2026, 1, 1, tzinfo=timezone.utc)

def alert_task_failed(context: Mapping[str, Any]) -> None:
    """Airflow's failure callback (after the last retry): one alert naming the DAG, the task,
    the error's first line and the log (`pipelines.alerts`)."""
    from pipelines.alerts import Alert, first_line, send_alert
    from pipelines.runs import current_run_id

    ti = context.get("ti")
    alert = Alert(
        kind="task_failed",
        dag_id=str(getattr(ti, "dag_id", "") or ""),
        task_id=str(getattr(ti, "task_id", "") or ""),
        message=first_line(context.get("exception")),
        log_location=_log_location(ti),
        run_id=current_run_id(),
    )
    send_alert(parsing_settings(), alert)


def alert_gates_closed(context: Mapping[str, Any], summary: Mapping[str, Any]) -> None:
    """After the library checks: one alert when a library's publication gate is closed."""
    from pipelines.alerts import Alert, send_alert
    from pipelines.runs import current_run_id

    closed = str(summary.get("gates closed", "-"))
    if closed in ("", "-"):
        return
    ti = context.get("ti")
    alert = Alert(
        kind="gate_closed",
        dag_id=str(getattr(ti, "dag_id", "govdata_check_libraries")),
        task_id=str(getattr(ti, "task_id", "check_libraries")),
        message=f"libraries not published (gate closed): {closed}; Data Docs: {summary.get('data docs', '-')}",
        log_location=_log_location(ti),
        run_id=current_run_id(),
    )
    send_alert(settings(), alert)


def _log_location(ti: Any) -> str:
    """The task's log in the Airflow UI, and its file under Airflow's log folder."""
    if ti is None:
        return ""
    import os

    url = ""
    try:
        url = str(ti.log_url)
    except Exception:  # noqa: BLE001 - the URL is a convenience, the file path is enough
        url = ""
    home = os.environ.get("AIRFLOW_HOME", "airflow_home")
    folder = (
        f"{home}/logs/dag_id={getattr(ti, 'dag_id', '')}/run_id={getattr(ti, 'run_id', '')}"
        f"/task_id={getattr(ti, 'task_id', '')}"
    )
    return f"{url} ({folder})" if url else folder


DEFAULT_ARGS = {
    "owner": "county-data-engineering",
    "retries": 2,
    "retry_delay": timedelta(minutes=1),
    "pool": WAREHOUSE_POOL,
    "on_failure_callback": alert_task_failed,
}

RAW = Asset(name="govdata_raw", uri="file:///govdata/warehouse/raw")
STAGING = Asset(name="govdata_staging", uri="file:///govdata/warehouse/staging")
STAGING_CHECKED = Asset(name="govdata_staging_checked", uri="file:///govdata/warehouse/dq/staging")
RESOLVED = Asset(name="govdata_er", uri="file:///govdata/warehouse/er")
LIBRARIES = Asset(name="govdata_libraries", uri="file:///govdata/warehouse/lib")
LIBRARIES_CHECKED = Asset(name="govdata_libraries_checked", uri="file:///govdata/warehouse/dq/libraries")
FINDINGS = Asset(name="govdata_findings", uri="file:///govdata/warehouse/dq/findings")
PUBLISHED = Asset(name="govdata_published", uri="file:///govdata/open")
REPORTED = Asset(name="govdata_report", uri="file:///govdata/reports")


@contextmanager
def chain_run(context: Mapping[str, Any]) -> Iterator[str]:
    """Run a task's stage under the chain's run id (and as-of date), and pass both on.

    The id comes from the Asset event that triggered this DAG run, from `govdata run`, or (the
    first DAG of a scheduled chain) from this DAG run itself (`pipelines.runs`). With
    `as_of = "logical_date"` the as-of date comes the same way: the triggering event's, or this
    run's logical date in the county's time zone. Both are written into the `extra` of every Asset
    event the task emits, so the DAGs scheduled on them carry them on.
    """
    import os

    from pipelines.runs import AS_OF_KEY, EXTRA_KEY, as_of_from_context, chain_scope, run_id_from_context
    from pipelines.settings import LOGICAL_DATE, configured_as_of

    run_id = run_id_from_context(context)
    as_of = None
    if configured_as_of() == LOGICAL_DATE:
        as_of = as_of_from_context(context, parsing_settings().county.timezone)
    saved = os.environ.get("GOVDATA_AS_OF")
    if as_of:
        os.environ["GOVDATA_AS_OF"] = as_of
    try:
        with chain_scope(run_id):
            yield run_id
    finally:
        if as_of:
            if saved is None:
                os.environ.pop("GOVDATA_AS_OF", None)
            else:
                os.environ["GOVDATA_AS_OF"] = saved
    outlet_events = context.get("outlet_events")
    task = context.get("task")
    if outlet_events is not None and task is not None:
        for asset in getattr(task, "outlets", None) or []:
            accessor = outlet_events[asset]
            extra = {**(accessor.extra or {}), EXTRA_KEY: run_id}
            if as_of:
                extra[AS_OF_KEY] = as_of
            accessor.extra = extra


def ingest_schedule():  # noqa: ANN201 - an Airflow timetable
    """The chain's schedule: the ingest DAG on the settings' cron in the county's time zone."""
    from airflow.sdk import CronTriggerTimetable

    parsed = parsing_settings()
    return CronTriggerTimetable(parsed.ingest_schedule, timezone=parsed.county.timezone)


def anything_to_ingest(context: Mapping[str, Any]) -> bool:
    """The scheduled chain's first task: go on only when a delivery is new or changed since the
    last successful run (or that run did not finish); a run started by hand always goes on."""
    import logging

    from pipelines.ingest import pending_deliveries

    log = logging.getLogger("airflow.task")
    dag_run = context.get("dag_run")
    run_type = str(getattr(getattr(dag_run, "run_type", None), "value", getattr(dag_run, "run_type", "")))
    if run_type != "scheduled":
        log.info("run started by hand (%s): ingesting whatever is there", run_type or "unknown")
        return True
    with chain_run(context):
        pending = pending_deliveries(settings())
    if not pending:
        log.info("no delivery is new or changed since the last successful run: nothing to do tonight")
        return False
    shown = "; ".join(f"{p.file} ({p.reason})" for p in pending[:10])
    log.info("%d deliveries new or changed: %s%s", len(pending), shown, " ..." if len(pending) > 10 else "")
    return True


def settings():  # noqa: ANN201 - imported lazily so parsing the DAG stays cheap
    from pipelines.settings import get_settings

    return get_settings()


def record_ingest_totals(results: list[dict], started_at: datetime) -> dict:
    """One meta.runs row for the whole ingest DAG run, which started at `started_at`.

    Each mapped department task records its own `ingest` row; this row, written after all of
    them, sums them so that `govdata status` shows the stage as a whole.
    """
    import uuid

    from pipelines.warehouse import StageRun, append_run

    totals: dict[str, int] = {}
    for result in results:
        for key, value in result.items():
            totals[key] = totals.get(key, 0) + int(value)
    run = StageRun(
        stage="ingest",
        run_id=uuid.uuid4().hex[:16],
        rows_in=totals.get("rows_read", 0),
        rows_out=totals.get("rows_loaded", 0),
        message=(
            f"{len(results)} departments, {totals.get('files', 0)} files; "
            f"{totals.get('rows_loaded', 0)} rows loaded, "
            f"{totals.get('rows_quarantined', 0)} quarantined, {totals.get('rejected', 0)} files rejected"
        ),
    )
    if started_at.tzinfo is not None:  # meta.runs holds naive UTC
        started_at = started_at.astimezone(timezone.utc).replace(tzinfo=None)
    append_run(settings(), run, started_at, "success")
    return totals
