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

START_DATE = datetime(2026, 1, 1, tzinfo=timezone.utc)

DEFAULT_ARGS = {
    "owner": "county-data-engineering",
    "retries": 2,
    "retry_delay": timedelta(minutes=1),
    "pool": WAREHOUSE_POOL,
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
    """Run a task's stage under the chain's run id, and pass the id on to the next DAGs.

    The id comes from the Asset event that triggered this DAG run, from `govdata run`, or (the
    first DAG of a scheduled chain) from this DAG run itself (`pipelines.runs`). It is written into
    the `extra` of every Asset event the task emits, so the DAGs scheduled on them carry it on.
    """
    from pipelines.runs import EXTRA_KEY, chain_scope, run_id_from_context

    run_id = run_id_from_context(context)
    with chain_scope(run_id):
        yield run_id
    outlet_events = context.get("outlet_events")
    task = context.get("task")
    if outlet_events is not None and task is not None:
        for asset in getattr(task, "outlets", None) or []:
            accessor = outlet_events[asset]
            accessor.extra = {**(accessor.extra or {}), EXTRA_KEY: run_id}


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
