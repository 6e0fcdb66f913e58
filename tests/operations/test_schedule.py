"""The schedule: the ingest DAG runs on the settings' cron in the county's time zone, and its
first task lets the chain go on only when a delivery is new or changed since the last successful
run; the as-of date may follow a scheduled run's logical date."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace

import pytest

from pipelines.settings import Settings, load_settings
from tests.ingest import crafted


def _scheduled(dag_id: str = "govdata_ingest") -> dict:
    run = SimpleNamespace(
        dag_id=dag_id, run_id="scheduled__2026-11-02T17:30:00+00:00", run_type="scheduled",
        logical_date=datetime(2026, 11, 2, 17, 30, tzinfo=UTC), run_after=datetime(2026, 11, 2, 17, 30, tzinfo=UTC),
    )
    return {"dag_run": run, "triggering_asset_events": {}}


def _finish_chain(settings: Settings) -> None:
    """Record a report for the chain the last ingest belongs to (the chain reached its end)."""
    import duckdb

    from pipelines.runs import chain_scope
    from pipelines.warehouse import record_stage

    with duckdb.connect(str(settings.warehouse_path), read_only=True) as con:
        (chain,) = con.execute(
            "select chain_run_id from meta.runs where stage = 'ingest' order by started_at desc limit 1"
        ).fetchone()
    with chain_scope(chain), record_stage("report", settings):
        pass


@pytest.fixture
def landing(tmp_settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Path:
    crafted.install(monkeypatch)
    crafted.deliver(tmp_settings.landing_path, "人员名单.csv", crafted.csv_text([crafted.person(1), crafted.person(2)]))
    return tmp_settings.landing_path


def test_nothing_new_after_a_finished_run_and_each_kind_of_change_is_seen(
    tmp_settings: Settings, landing: Path
) -> None:
    from pipelines.ingest import ingest, pending_deliveries

    assert [p.reason for p in pending_deliveries(tmp_settings)] == ["new file"]
    ingest(tmp_settings)
    assert [p.reason for p in pending_deliveries(tmp_settings)][0].startswith("the last run (")
    _finish_chain(tmp_settings)
    assert pending_deliveries(tmp_settings) == []

    # a changed file (another size), a file touched after it was read, a new delivery
    changed = crafted.deliver(landing, "人员名单.csv", crafted.csv_text([crafted.person(1)]))
    reasons = {p.file: p.reason for p in pending_deliveries(tmp_settings)}
    assert reasons == {"civil/2026-10-01/人员名单.csv": "size changed"}
    ingest(tmp_settings)
    _finish_chain(tmp_settings)
    assert pending_deliveries(tmp_settings) == []
    later = datetime.now(UTC).timestamp() + 60
    os.utime(changed, (later, later))
    assert [p.reason for p in pending_deliveries(tmp_settings)] == ["modified after it was last read"]


def test_a_deferred_delivery_becomes_due_with_the_as_of_date(
    tmp_settings: Settings, landing: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pipelines.ingest import ingest, pending_deliveries

    crafted.deliver(landing, "人员名单.csv", crafted.csv_text([crafted.person(3)]), day="2026-11-20")
    ingest(tmp_settings)  # as of 2026-11-01: the 20 November delivery is deferred
    _finish_chain(tmp_settings)
    assert pending_deliveries(tmp_settings) == []
    monkeypatch.setenv("GOVDATA_AS_OF", "2026-11-21")
    due = pending_deliveries(load_settings())
    assert [p.file for p in due] == ["civil/2026-11-20/人员名单.csv"]
    assert due[0].reason.startswith("deferred delivery now due")


def test_a_scheduled_run_with_nothing_new_stops_the_chain_but_a_manual_one_goes_on(
    tmp_settings: Settings, landing: Path
) -> None:
    from pipelines.dag_support import anything_to_ingest
    from pipelines.ingest import ingest

    assert anything_to_ingest(_scheduled()) is True
    ingest(tmp_settings)
    _finish_chain(tmp_settings)
    assert anything_to_ingest(_scheduled()) is False
    manual = _scheduled()
    manual["dag_run"].run_type = "manual"
    assert anything_to_ingest(manual) is True


def test_the_ingest_dag_is_on_the_settings_cron_in_the_county_zone_and_short_circuits_first() -> None:
    from airflow.sdk import CronTriggerTimetable

    from pipelines.orchestrate import load_dags

    dag = load_dags()["govdata_ingest"]
    assert isinstance(dag.timetable, CronTriggerTimetable) and not dag.catchup
    assert dag.timetable.expression == "30 1 * * *"
    assert str(getattr(dag.timetable.timezone, "name", dag.timetable.timezone)) == "Asia/Shanghai"
    first = dag.get_task("deliveries_changed")
    assert first.upstream_task_ids == set()
    # every other task waits on it, so a False skips the whole chain (no RAW Asset event)
    others = {t.task_id for t in dag.tasks} - {"deliveries_changed"}
    assert others <= set(first.get_flat_relative_ids(upstream=False))


def test_as_of_logical_date(monkeypatch: pytest.MonkeyPatch) -> None:
    """`as_of = "logical_date"`: a scheduled run works as of its logical date in the county's
    zone (17:30 UTC on 2 November is 01:30 on 3 November in Chiping), later DAGs as of the date
    their chain started with; outside Airflow it is a clear error."""
    from pipelines.errors import SettingsError
    from pipelines.runs import AS_OF_KEY, as_of_from_context

    assert as_of_from_context(_scheduled(), "Asia/Shanghai") == "2026-11-03"
    assert as_of_from_context(_scheduled(), "UTC") == "2026-11-02"
    triggered = {"triggering_asset_events": {"raw": [SimpleNamespace(extra={AS_OF_KEY: "2026-11-03"})]}, "dag_run": None}
    assert as_of_from_context(triggered, "Asia/Shanghai") == "2026-11-03"
    monkeypatch.setenv("GOVDATA_AS_OF", "logical_date")
    with pytest.raises(SettingsError, match="GOVDATA_AS_OF.*logical date of a scheduled Airflow run"):
        load_settings()


def test_a_task_under_logical_date_gets_the_date_and_passes_it_on(
    tmp_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    from collections import defaultdict

    from pipelines.dag_support import chain_run, settings
    from pipelines.runs import AS_OF_KEY, EXTRA_KEY, RUN_ID_ENV

    monkeypatch.delenv(RUN_ID_ENV, raising=False)
    monkeypatch.setenv("GOVDATA_AS_OF", "logical_date")
    events: dict = defaultdict(lambda: SimpleNamespace(extra={}))
    context = {**_scheduled(), "outlet_events": events, "task": SimpleNamespace(outlets=["raw"])}
    with chain_run(context) as run_id:
        assert settings().as_of.isoformat() == "2026-11-03"
    assert os.environ["GOVDATA_AS_OF"] == "logical_date"
    assert events["raw"].extra == {EXTRA_KEY: run_id, AS_OF_KEY: "2026-11-03"}
