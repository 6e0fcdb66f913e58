"""A stage whose inputs did not change since its last successful run is skipped, and only then
(`pipelines.unchanged`). Crafted warehouses: the stage here is `resolve` with a stand-in for
its work (which records its `meta.runs` row as the real one does), so no dbt or resolver runs.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from pipelines.settings import Settings
from pipelines.unchanged import run_unless_unchanged
from pipelines.warehouse import connect, record_stage


def _warehouse(settings: Settings) -> None:
    """Records to resolve and a ledger with one delivery."""
    with connect(settings) as con:
        con.execute("create table staging.int_person_records as select * from (values ('a#self', '张三'), ('b#self', '李四')) t(record_id, name)")
        con.execute("create table staging.int_org_records (record_id varchar, name varchar)")
        con.execute("create table raw.ingest_ledger (seq bigint, file varchar, sha256 varchar, source_table varchar, "
                    "delivery_date date, batch_id varchar, status varchar, replaces_batch_id varchar, "
                    "rows_loaded bigint, rows_quarantined bigint)")
        con.execute("insert into raw.ingest_ledger values (1, 'gongan/2026-10-01/a.csv', 'aa', 'gongan__register', "
                    "'2026-10-01', 'b1', 'loaded', null, 2, 0)")


class _Resolve:
    """Stands in for the resolve stage: counts its runs, writes its outputs, records meta.runs."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.runs = 0
        self.fail = False

    def __call__(self) -> dict[str, Any]:
        with record_stage("resolve", self.settings) as run:
            self.runs += 1
            if self.fail:
                raise RuntimeError("resolver died")
            with connect(self.settings) as con:
                con.execute("create or replace table er.person_xref as select record_id, 'P' || record_id as person_id "
                            "from staging.int_person_records")
                con.execute("create or replace table er.org_xref (record_id varchar, org_id varchar)")
            run.rows_in = run.rows_out = 2
        return {"rows_in": 2, "rows_out": 2, "run": self.runs}

    def run(self, settings: Settings | None = None) -> dict[str, Any]:
        return run_unless_unchanged("resolve", settings or self.settings, self)


def _outcomes(settings: Settings) -> list[tuple[str, str]]:
    with connect(settings, read_only=True) as con:
        return con.execute(
            "select outcome, coalesce(message, '') from meta.runs where stage = 'resolve' order by started_at"
        ).fetchall()


@pytest.fixture
def stage(tmp_settings: Settings) -> _Resolve:
    _warehouse(tmp_settings)
    return _Resolve(tmp_settings)


def test_a_rerun_with_nothing_new_is_skipped_and_returns_the_previous_summary(stage: _Resolve) -> None:
    first = stage.run()
    second = stage.run()
    assert stage.runs == 1  # the work was not done again
    assert second == first
    outcomes = _outcomes(stage.settings)
    assert [o for o, _ in outcomes] == ["success", "skipped"]
    first_run_id = _run_ids(stage.settings)[0]
    assert first_run_id in outcomes[1][1]  # the skipped row names the run whose outputs stand
    with connect(stage.settings, read_only=True) as con:
        rows = con.execute("select rows_in, rows_out from meta.runs where outcome = 'skipped'").fetchone()
    assert rows == (2, 2)


def _run_ids(settings: Settings) -> list[str]:
    with connect(settings, read_only=True) as con:
        return [r for (r,) in con.execute("select run_id from meta.runs where stage = 'resolve' order by started_at").fetchall()]


def test_a_new_delivery_runs_the_stage_again(stage: _Resolve) -> None:
    stage.run()
    with connect(stage.settings) as con:
        con.execute("insert into raw.ingest_ledger values (2, 'gongan/2026-11-01/a.csv', 'bb', 'gongan__register', "
                    "'2026-11-01', 'b2', 'replaced', 'b1', 2, 0)")
    stage.run()
    assert stage.runs == 2
    stage.run()  # and is skipped again once it has seen it
    assert stage.runs == 2


def test_an_input_changed_in_place_runs_the_stage_again(stage: _Resolve) -> None:
    stage.run()
    with connect(stage.settings) as con:  # same rows, same columns, one value corrected
        con.execute("update staging.int_person_records set name = '李斯' where record_id = 'b#self'")
    stage.run()
    assert stage.runs == 2


def test_the_as_of_date_and_settings_that_shape_outputs_run_it_again(stage: _Resolve) -> None:
    stage.run()
    stage.run(stage.settings.model_copy(update={"check_workers": 1}))  # how checks are spread: not an input
    assert stage.runs == 1
    later = stage.settings.model_copy(update={"as_of": stage.settings.as_of.replace(day=2)})
    stage.run(later)
    assert stage.runs == 2
    stage.run(later.model_copy(update={"open_min_count": 10}))
    assert stage.runs == 3


def test_a_failed_or_killed_run_is_done_again(stage: _Resolve) -> None:
    stage.run()
    stage.fail = True
    with pytest.raises(RuntimeError):
        stage.run(stage.settings.model_copy(update={"open_min_count": 10}))
    stage.fail = False
    stage.run(stage.settings.model_copy(update={"open_min_count": 10}))
    assert stage.runs == 3  # the failed attempt does not count as done
    # killed: the attempt's `started` row is its last word
    with connect(stage.settings) as con:
        con.execute("insert into meta.stage_inputs select max(seq) + 1, 'resolve', null, "
                    "(select fingerprint from meta.stage_inputs order by seq desc limit 1), 'started', null, null, "
                    "now()::timestamp from meta.stage_inputs")
    stage.run(stage.settings.model_copy(update={"open_min_count": 10}))
    assert stage.runs == 4


def test_missing_outputs_are_written_again(stage: _Resolve) -> None:
    stage.run()
    with connect(stage.settings) as con:
        con.execute("drop table er.person_xref")
    stage.run()
    assert stage.runs == 2


def test_skipping_can_be_turned_off(stage: _Resolve) -> None:
    stage.run()
    stage.run(stage.settings.model_copy(update={"skip_unchanged": False}))
    assert stage.runs == 2
    assert [o for o, _ in _outcomes(stage.settings)] == ["success", "success"]


def _project(root: Path) -> Path:
    """A project tree with one module, one dbt model and one file generated from the contracts."""
    from pipelines.dbt_codegen import SQL_HEADER

    (root / "pipelines").mkdir(parents=True)
    (root / "pipelines" / "rules.py").write_text("LIMIT = 1\n", encoding="utf-8")
    models = root / "dbt_project" / "models"
    models.mkdir(parents=True)
    (models / "person.sql").write_text("select 1 as x\n", encoding="utf-8")
    (models / "int_person_records.sql").write_text(SQL_HEADER + "select 1 as a\n", encoding="utf-8")
    return root


def test_the_code_fingerprint_follows_the_code_not_when_generated_files_were_rewritten(tmp_path: Path) -> None:
    """A process rewriting the files generated from the contracts (what `govdata stage` does
    before its work) leaves every stage's fingerprint as it was; a change to a module, a model
    or a generated file becoming hand-written changes it."""
    from pipelines.unchanged import code_version

    root = _project(tmp_path)
    before = code_version(root)
    generated = root / "dbt_project" / "models" / "int_person_records.sql"
    generated.write_text(generated.read_text(encoding="utf-8").replace("1 as a", "2 as a"), encoding="utf-8")
    assert code_version(root) == before
    for path, text in (
        (generated, "select 3 as a\n"),  # no longer generated: hashed as hand-written SQL
        (root / "dbt_project" / "models" / "person.sql", "select 2 as x\n"),
        (root / "pipelines" / "rules.py", "LIMIT = 2\n"),
    ):
        path.write_text(text, encoding="utf-8")
        assert code_version(root) != before, path
        before = code_version(root)


def test_a_first_run_hashes_each_table_it_reads_once(stage: _Resolve, monkeypatch: pytest.MonkeyPatch) -> None:
    """The fingerprint after the work reuses the digests taken before it for the tables the
    stage read and left alone, although the stage created tables in between (which gives every
    table of the warehouse a new DuckDB oid); a table changed in place between two calls is
    hashed again."""
    import pipelines.unchanged as unchanged

    hashed: list[str] = []

    class Counting(dict):
        def __setitem__(self, key: Any, value: str) -> None:
            hashed.append(f"{key[1]}.{key[2]}")
            super().__setitem__(key, value)

    monkeypatch.setattr(unchanged, "_TABLE_DIGESTS", Counting())
    stage.run()
    assert sorted(hashed) == ["staging.int_org_records", "staging.int_person_records"]
    hashed.clear()
    with connect(stage.settings) as con:
        con.execute("update staging.int_person_records set name = '王五' where record_id = 'b#self'")
    stage.run()
    assert stage.runs == 2  # the change was seen
    assert sorted(hashed) == ["staging.int_org_records", "staging.int_person_records"]
