"""The chain-level run id: created by `govdata run`, passed on by Asset events, recorded in meta.runs."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from types import SimpleNamespace

import duckdb
import pytest

from pipelines.runs import EXTRA_KEY, RUN_ID_ENV, chain_scope, new_run_id, run_id_from_context
from pipelines.settings import Settings


@pytest.fixture(autouse=True)
def _no_chain(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(RUN_ID_ENV, raising=False)


def test_run_id_sorts_by_start_and_is_derived_from_a_salt() -> None:
    early = new_run_id(datetime(2026, 11, 1, 1, 30, tzinfo=UTC))
    late = new_run_id(datetime(2026, 11, 2, 1, 30, tzinfo=UTC))
    assert early.startswith("20261101T013000Z-") and early < late
    again = new_run_id(datetime(2026, 11, 1, 1, 30, tzinfo=UTC), salt="govdata_ingest:manual_1")
    assert again == new_run_id(datetime(2026, 11, 1, 1, 30, tzinfo=UTC), salt="govdata_ingest:manual_1")
    assert again != new_run_id(datetime(2026, 11, 1, 1, 30, tzinfo=UTC), salt="govdata_ingest:manual_2")


def test_a_triggering_asset_event_passes_the_id_on() -> None:
    event = SimpleNamespace(extra={EXTRA_KEY: "20261101T013000Z-abc123"})
    context = {"triggering_asset_events": {"asset": [event]}, "dag_run": None}
    with chain_scope("20261201T000000Z-ffffff"):  # the event wins over a process-wide id
        assert run_id_from_context(context) == "20261101T013000Z-abc123"


def test_the_first_dag_of_a_scheduled_chain_derives_one_id_for_all_its_tasks() -> None:
    dag_run = SimpleNamespace(
        dag_id="govdata_ingest", run_id="scheduled__2026-11-01", run_after=datetime(2026, 11, 1, 1, 30, tzinfo=UTC)
    )
    first = run_id_from_context({"triggering_asset_events": {}, "dag_run": dag_run})
    second = run_id_from_context({"dag_run": dag_run})
    assert first == second and first.startswith("20261101T013000Z-")
    with chain_scope("20261201T000000Z-ffffff"):  # `govdata run` set one for the process
        assert run_id_from_context({"dag_run": dag_run}) == "20261201T000000Z-ffffff"


def test_chain_scope_restores_what_was_there() -> None:
    with chain_scope("a"):
        with chain_scope("b"):
            assert os.environ[RUN_ID_ENV] == "b"
        assert os.environ[RUN_ID_ENV] == "a"
    assert RUN_ID_ENV not in os.environ


def test_meta_runs_records_the_chain_id_and_a_lone_stage_gets_its_own(tmp_path, monkeypatch) -> None:
    from pipelines.warehouse import record_stage

    monkeypatch.setenv("GOVDATA_WAREHOUSE", str(tmp_path / "w.duckdb"))
    settings = Settings()
    with chain_scope("20261101T013000Z-abc123"):
        with record_stage("build", settings) as run:
            assert run.chain_run_id == "20261101T013000Z-abc123"
        with record_stage("publish", settings):
            pass
    with record_stage("report", settings) as alone:
        pass
    assert alone.chain_run_id != "20261101T013000Z-abc123"
    with duckdb.connect(str(tmp_path / "w.duckdb"), read_only=True) as con:
        rows = dict(con.execute("select stage, chain_run_id from meta.runs").fetchall())
    assert rows == {"build": "20261101T013000Z-abc123", "publish": "20261101T013000Z-abc123", "report": alone.chain_run_id}


def test_an_old_meta_runs_gets_the_column(tmp_path, monkeypatch) -> None:
    from pipelines.warehouse import connect

    path = tmp_path / "old.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute("create schema meta")
        con.execute(
            "create table meta.runs (run_id varchar not null, stage varchar not null, as_of date not null, "
            "started_at timestamp not null, finished_at timestamp, duration_s double, rows_in bigint, "
            "rows_out bigint, outcome varchar not null, message varchar)"
        )
    monkeypatch.setenv("GOVDATA_WAREHOUSE", str(path))
    with connect(Settings()) as con:
        columns = [c for (c,) in con.execute("select column_name from information_schema.columns where table_name = 'runs'").fetchall()]
    assert columns[-1] == "chain_run_id"
