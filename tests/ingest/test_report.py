"""The public API around the stage: departments for Airflow, the run summary, meta.runs, the
per-department report for `govdata status`."""

from __future__ import annotations

import duckdb
from rich.console import Console

from ingest import crafted
from ingest.crafted import PEOPLE, person
from pipelines.ingest import department_report, ensure_raw_table, ingest, list_departments


def test_list_departments_is_the_folders_present(env) -> None:
    env.deliver("人员名单.csv", "x")
    env.deliver("a.csv", "x", department="gongan")
    (env.landing / ".cache").mkdir()
    assert list_departments(env.settings) == ["civil", "gongan"]
    assert list_departments(env.settings, landing=env.landing / "nowhere") == []


def test_one_meta_runs_row_per_call_and_only_the_named_departments(env) -> None:
    env.deliver("人员名单.csv", crafted.csv_text([person(1)]))
    env.deliver("a.csv", "x", department="gongan")
    for department in list_departments(env.settings):
        ingest(env.settings, departments=[department])
    runs = crafted.query(env.warehouse, "select stage, rows_in, rows_out, outcome from meta.runs")
    assert runs == [("ingest", 1, 1, "success"), ("ingest", 0, 0, "success")]
    assert {r["department"] for r in crafted.ledger(env.warehouse)} == {"civil", "gongan"}


def test_summary_counts_and_prints(env) -> None:
    env.deliver("人员名单.csv", crafted.csv_text([person(1), person(2)]) + "bad\n")
    env.deliver("人员名单.csv", crafted.csv_text([person(1), person(2)]) + "bad\n", day="2026-10-02")
    env.deliver("readme.txt", "x")
    summary = env.run()
    totals = summary.totals()
    assert {k: totals[k] for k in ("files", "loaded", "duplicate", "rejected", "rows_loaded",
                                   "rows_quarantined")} == {
        "files": 3, "loaded": 1, "duplicate": 1, "rejected": 1, "rows_loaded": 2,
        "rows_quarantined": 1}
    (civil,) = summary.departments.values()
    assert civil.rejected_files == [("civil/2026-10-01/readme.txt", "no source contract matches")]
    text = summary.as_table()
    assert "civil" in text and "readme.txt: no source contract matches" in text
    console = Console(record=True, width=200)
    console.print(summary)
    assert "rejected files" in console.export_text()


def test_department_report_reflects_the_warehouse(env) -> None:
    env.deliver("人员名单.csv", crafted.csv_text([person(1), person(2)]) + "bad\n")
    env.deliver("人员名单_更正.csv", crafted.csv_text([person(3)]) + "bad\nbad\n")
    env.deliver("花名册.xlsx", b"")
    env.deliver("人员名单.csv", crafted.csv_text([person(9)]), day="2027-01-01")
    env.run()
    with duckdb.connect(str(env.warehouse), read_only=True) as con:
        (row,) = department_report(con)
    assert row["department"] == "civil"
    assert row["files"] == 4
    # the correction replaced the original: only its rows count
    assert (row["rows_loaded"], row["rows_quarantined"]) == (1, 2)
    assert (row["deferred"], row["rejected"]) == (1, 1)
    assert row["rejected_files"] == "civil/2026-10-01/花名册.xlsx: empty file"


def test_department_report_without_a_ledger(tmp_path) -> None:
    with duckdb.connect(str(tmp_path / "empty.duckdb")) as con:
        assert department_report(con) == []


def test_ensure_raw_table_adds_columns_a_contract_gained(tmp_path) -> None:
    smaller = PEOPLE.model_copy(update={"columns": PEOPLE.columns[:2]})
    with duckdb.connect(str(tmp_path / "w.duckdb")) as con:
        ensure_raw_table(con, smaller)
        ensure_raw_table(con, PEOPLE)
        columns = [c for (c,) in con.execute(
            "select column_name from information_schema.columns where table_name = ? "
            "order by ordinal_position", [PEOPLE.source]).fetchall()]
    assert set(columns) == {*crafted.HEADER, "_batch_id", "_file", "_sha256", "_line",
                            "_delivery_date", "_extras"}
