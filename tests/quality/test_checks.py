"""The staging checks on a hand-made warehouse with one planted defect of each kind.

GIVEN a household register (current delivery and an earlier one), an insured-person extract, a
death certificate and subsistence payments, each clean but for planted defects,
WHEN `check staging` runs twice,
THEN each defect lands in dq.results (with its GB/T 36344 dimension) and in dq.failures (with its
file, line and department, values masked), results accumulate without overwriting, the checked
tables are untouched, and the run's Data Docs load nothing from the internet.
"""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import pytest

from pipelines.quality import check_staging
from pipelines.quality.docs import REMOTE_REFERENCE_RE, remote_references
from pipelines.settings import Settings, load_settings
from pipelines.warehouse import connect
from quality.helpers import REGISTER, household_rows, make_ids, make_project, source_rows, write_source

CURRENT = "gongan/2026-10-08/户籍人口_20261008.csv"
EARLIER = "gongan/2026-07-08/户籍人口_20260708.csv"
INSURED = "renshe/2026-10-12/参保人员_20261012.csv"
DEATHS = "weijian/2026-08-05/死亡医学证明_202607.jsonl"
ALLOWANCE = "minzheng/2026-10-10/低保发放_202609.csv"
N = 120

# planted kind -> (suite, rule, column, dimension, file, line)
PLANTED: dict[str, tuple[str, str, str, str, str, str]] = {
    "id_typo": ("stg_gongan__household_register", "id_number_valid", "id_number", "准确性", CURRENT, "2"),
    "id_excel_scientific": ("stg_gongan__household_register", "id_number_valid", "id_number", "准确性", CURRENT, "3"),
    "gender_mismatch": ("stg_gongan__household_register", "id_gender_agrees", "gender", "一致性", CURRENT, "4"),
    "birth_date_mismatch": ("stg_gongan__household_register", "id_birth_date_agrees", "birth_date", "一致性", CURRENT, "5"),
    "address_no_house_number": ("stg_gongan__household_register", "address_has_house_number", "address", "完整性", CURRENT, "6"),
    "future_date": ("stg_gongan__household_register", "date_not_future", "registered_date", "时效性", CURRENT, "7"),
    "unencodable_char": ("stg_gongan__household_register", "no_garbled_text", "name", "准确性", CURRENT, "8"),
    "duplicate_key": ("stg_gongan__household_register", "key_unique", "id_number", "准确性", CURRENT, "10"),
    "missing_required": ("stg_gongan__household_register", "required_filled", "household_no", "完整性", CURRENT, "11"),
    "unreadable_date": ("stg_gongan__household_register", "delivered_value_read", "birth_date", "准确性", CURRENT, "12"),
    "foreign_division_code": ("stg_gongan__household_register", "division_code_valid", "division_code", "规范性", CURRENT, "13"),
    "bad_phone": ("stg_gongan__household_register", "phone_valid", "phone", "准确性", CURRENT, "14"),
    "too_long": ("stg_gongan__household_register", "value_length_within_contract", "ethnicity", "规范性", CURRENT, "15"),
    "id_transposed_earlier": ("stg_gongan__household_register__history", "id_number_valid", "id_number", "准确性", EARLIER, "2"),
    "stale_record": ("life_events__renshe__insured_person", "record_current", "delivery_date", "时效性", INSURED, "2"),
    "benefit_after_death": ("life_events__minzheng__subsistence_allowance", "no_payment_after_death", "month", "一致性", ALLOWANCE, "2"),
    "late_delivery": ("timeliness__weijian__death_certificate", "delivered_on_time", "delivery_date", "时效性", DEATHS, ""),
}


def _register(ids: list[str], file: str, delivered: date, current: bool) -> list[dict[str, Any]]:
    rows = household_rows(ids, file=file, delivered=delivered, current=current)
    return rows


def _plant_current(rows: list[dict[str, Any]]) -> None:
    """Damage the current register: line L is rows[L - 2]."""
    def at(line: int) -> dict[str, Any]:
        return rows[line - 2]

    number = at(2)["id_number"]
    at(2)["id_number"] = number[:10] + str((int(number[10]) + 1) % 10) + number[11:]  # one digit mistyped
    at(3)["id_number"] = "3.71503E+17"
    at(4)["gender"] = "2" if at(4)["gender"] == "1" else "1"
    at(5)["birth_date"] = date(1970, 1, 1)
    at(6)["address"] = "山东省聊城市茌平区乐平铺镇某村"
    at(7)["registered_date"] = date(2027, 3, 1)
    at(8)["name"] = "张?明"
    at(10)["id_number"] = at(9)["id_number"]  # a second record with the same key
    at(10)["gender"], at(10)["birth_date"] = at(9)["gender"], at(9)["birth_date"]
    at(11)["household_no"] = None
    at(12)["birth_date"] = None
    at(12)["_delivered"] = {"birth_date": "1985/13/45"}
    at(13)["division_code"] = "371502101"
    at(14)["phone"] = "12812345678"
    at(15)["ethnicity"] = "汉" * 30


@pytest.fixture(scope="module")
def checked(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    base = tmp_path_factory.mktemp("checks")
    settings = load_settings(
        root=make_project(base / "project"),
        warehouse=base / "warehouse" / "govdata.duckdb",
        landing=base / "landing",
        reports=base / "reports",
        as_of=date(2026, 11, 1),
    )
    ids = make_ids(N)
    current = _register(ids, CURRENT, date(2026, 10, 8), True)
    _plant_current(current)
    earlier = _register(ids, EARLIER, date(2026, 7, 8), False)
    earlier[0]["id_number"] = earlier[0]["id_number"][:7] + earlier[0]["id_number"][8] + earlier[0]["id_number"][7] + earlier[0]["id_number"][9:]
    dead, paid = ids[40], ids[41]
    insured = source_rows("renshe__insured_person", INSURED, date(2026, 10, 12), [
        {"personal_no": f"P{i}", "name": f"张{i:03d}", "id_number": n, "status": "参保缴费"}
        for i, n in [(40, dead), (42, ids[42])]
    ])
    deaths = source_rows("weijian__death_certificate", DEATHS, date(2026, 8, 5), [
        {"certificate_no": "D1", "name": "张040", "id_number": dead, "death_date": date(2026, 7, 20)},
        {"certificate_no": "D2", "name": "张041", "id_number": paid, "death_date": date(2026, 6, 3)},
    ])
    allowance = source_rows("minzheng__subsistence_allowance", ALLOWANCE, date(2026, 10, 10), [
        {"name": "张041", "id_number": paid, "amount": 500.0, "month": "202609"},
        {"name": "张041", "id_number": paid, "amount": 500.0, "month": "202606"},
    ])
    with connect(settings) as con:
        write_source(con, REGISTER, earlier + current)
        write_source(con, "renshe__insured_person", insured)
        write_source(con, "weijian__death_certificate", deaths)
        write_source(con, "minzheng__subsistence_allowance", allowance)
        before = _checksums(con)
    first = check_staging(settings)
    # checked again on purpose (nothing changed, so it would be skipped: pipelines.unchanged)
    second = check_staging(settings.model_copy(update={"skip_unchanged": False}))
    with connect(settings) as con:
        after = _checksums(con)
    return {"settings": settings, "first": first, "second": second, "before": before, "after": after}


def _checksums(con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    tables = con.execute(
        "select table_schema || '.' || table_name from information_schema.tables "
        "where table_schema in ('staging', 'raw')"
    ).fetchall()
    return {t: con.execute(f"select count(*), sum(hash(columns(*))) from {t} t").fetchone() for (t,) in tables}


def _query(settings: Settings, sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as con:
        return con.execute(sql, params or []).fetchall()


@pytest.mark.parametrize("kind", sorted(PLANTED))
def test_planted_defect_lands_in_results_and_failures(checked: dict[str, Any], kind: str) -> None:
    settings = checked["settings"]
    suite, rule, column, dimension, file, line = PLANTED[kind]
    run_id = checked["second"]["run id"]
    results = _query(
        settings,
        'select dimension, unexpected_count, elements_evaluated from dq.results '
        'where run_id = ? and suite = ? and rule = ? and coalesce("column", ?) = ?',
        [run_id, suite, rule, column, column],
    )
    assert len(results) == 1, (kind, results)  # checks over many columns report no single column
    assert results[0][0] == dimension
    assert results[0][1] >= 1
    failures = _query(
        settings,
        'select source_file, line, department, dimension, value from dq.failures '
        'where run_id = ? and suite = ? and "column" = ? and check_id like ?',
        [run_id, suite, column, f"%:{rule}:%"],
    )
    lines = {(f[0], f[1] or "") for f in failures}
    assert (file, line) in lines, (kind, failures)
    department = file.split("/")[0]
    assert {f[2] for f in failures} == {department}
    assert {f[3] for f in failures} == {dimension}


def test_clean_rows_are_not_flagged(checked: dict[str, Any]) -> None:
    settings = checked["settings"]
    run_id = checked["second"]["run id"]
    flagged = _query(
        settings,
        "select distinct line from dq.failures where run_id = ? and source_file = ? "
        "and check_id not like '%key_unique%'",
        [run_id, CURRENT],
    )
    planted = {PLANTED[k][5] for k in PLANTED if PLANTED[k][4] == CURRENT} | {"9"}
    assert {line for (line,) in flagged} <= planted


def test_sensitive_values_are_masked_in_failures(checked: dict[str, Any]) -> None:
    settings = checked["settings"]
    values = dict(_query(
        settings,
        'select "column", value from dq.failures where run_id = ? and source_file = ? and line in (\'2\', \'8\', \'14\')',
        [checked["second"]["run id"], CURRENT],
    ))
    assert re.fullmatch(r"371523\*{11}.", values["id_number"])
    assert values["name"] == "张**"
    assert values["phone"] == "128****5678"


def test_results_accumulate_over_runs(checked: dict[str, Any]) -> None:
    settings = checked["settings"]
    runs = _query(settings, "select run_id, count(*), sum(unexpected_count) from dq.results group by run_id order by 1")
    assert len(runs) == 2
    assert runs[0][1:] == runs[1][1:]  # the second run repeats the first, nothing overwritten
    failures = _query(settings, "select run_id, count(*) from dq.failures group by run_id")
    assert len(failures) == 2 and failures[0][1] == failures[1][1]
    assert checked["first"]["run id"] != checked["second"]["run id"]


def test_checks_never_alter_the_data(checked: dict[str, Any]) -> None:
    assert checked["before"] == checked["after"]


def test_data_docs_are_built_per_run_and_load_nothing_remote(checked: dict[str, Any]) -> None:
    settings = checked["settings"]
    docs = settings.reports_path / "data_docs"
    runs = [p for p in docs.iterdir() if p.is_dir() and p.name != "static"]
    assert len(runs) == 2
    assert remote_references(docs) == []
    pages = list(docs.rglob("*.html"))
    assert len(pages) > 4
    for page in pages:
        text = page.read_text(encoding="utf-8")
        assert not REMOTE_REFERENCE_RE.search(text)
        assert "https://" not in text and "http://" not in text, page
        for target in re.findall(r'(?:src|href)="([^"#]+)"', text):
            assert (page.parent / target).resolve().exists(), (page, target)
    page = (runs[0] / "stg_gongan__household_register.html").read_text(encoding="utf-8")
    assert "准确性" in page and "371523***********" in page
    assert not any(n in page for n in make_ids(N)[:3])  # raw ID numbers never shown
    suite_json = (runs[0] / "suites" / "stg_gongan__household_register.json").read_text(encoding="utf-8")
    assert '"dimension": "准确性"' in suite_json and "expect_column_values_to_be_valid_id_number" in suite_json
    assert not any(n in suite_json for n in make_ids(N))


def test_summary_reports_the_run(checked: dict[str, Any]) -> None:
    summary = checked["second"]
    assert summary["failing records"] >= len(PLANTED)
    assert Path(str(summary["data docs"])).exists()


def test_chunked_validation_gives_the_same_totals(checked: dict[str, Any]) -> None:
    from pipelines.quality.runner import GxRunner, run_suite
    from pipelines.quality.suites_staging import model_suite
    from pipelines.contracts import get_contract

    settings = checked["settings"]
    with connect(settings) as con:
        suite = model_suite(get_contract(REGISTER), settings, con)
        runner = GxRunner()
        whole = run_suite(runner, con, suite, chunk_rows=10_000)
        chunked = run_suite(runner, con, suite, chunk_rows=25)
    totals = {c.check.check_id: (c.evaluated, c.unexpected) for c in whole.checks}
    assert totals == {c.check.check_id: (c.evaluated, c.unexpected) for c in chunked.checks}
    assert len(chunked.validation_results) > 1  # it did read the table in several chunks
    failing = {c.check.check_id: sum(len(f) for f in c.failures) for c in chunked.checks}
    assert failing == {c.check.check_id: sum(len(f) for f in c.failures) for c in whole.checks}


def test_distinct_values_weighted_by_rows_give_gx_totals_over_every_row(checked: dict[str, Any]) -> None:
    """The runner validates each distinct combination once; GX validating every row of the
    suite must give the same element, evaluated and unexpected counts, and the failing rows
    listed must be exactly the rows GX finds unexpected."""
    from pipelines.contracts import get_contract
    from pipelines.quality.declarations import COUNT_MISSING
    from pipelines.quality.runner import KEY, WEIGHT, GxRunner, projected_query, run_suite
    from pipelines.quality.suites_staging import model_suite

    settings = checked["settings"]
    with connect(settings) as con:
        suite = model_suite(get_contract(REGISTER), settings, con)
        runner = GxRunner()
        weighted = run_suite(runner, con, suite)
        every_row = con.execute(projected_query(con, suite)).df()
    every_row[KEY] = range(len(every_row))
    every_row[WEIGHT] = 1
    assert len(every_row) > 100 and weighted.rows == len(every_row)
    by_id = {c.check.check_id: c for c in weighted.checks}
    compared = 0
    for group in runner.gx_suites(suite):
        validation = runner.validate_group(group, every_row)
        for result in validation.results:
            outcome = by_id[result.expectation_config.meta["check_id"]]
            details = result.result
            missing = 0 if outcome.check.rule.expectation in COUNT_MISSING else details.get("missing_count", 0)
            assert outcome.elements == details["element_count"], outcome.check.check_id
            assert outcome.evaluated == details["element_count"] - missing, outcome.check.check_id
            assert outcome.unexpected == details["unexpected_count"], outcome.check.check_id
            listed = sorted(every_row.loc[[i[KEY] for i in details["unexpected_index_list"]], suite.index_column])
            failing = sorted(v for f in outcome.failures for v in f[suite.index_column])
            assert failing == listed, outcome.check.check_id
            compared += 1
    assert compared == len(suite.checks)
    assert any(c.unexpected for c in weighted.checks)


def test_failing_rows_are_the_suite_rows_with_their_columns(checked: dict[str, Any]) -> None:
    """dq.failures is built from the failing rows: they carry exactly the suite's columns (not the
    runner's row numbers), and each is a row of the suite's query, values as the query gives them."""
    from pipelines.contracts import get_contract
    from pipelines.quality.runner import GxRunner, _frame, projected_query, run_suite
    from pipelines.quality.suites_staging import model_suite

    settings = checked["settings"]
    with connect(settings) as con:
        suite = model_suite(get_contract(REGISTER), settings, con)
        outcome = run_suite(GxRunner(), con, suite, chunk_rows=40)  # several chunks per group
        query = projected_query(con, suite)
        columns = con.sql(query).columns
        every_row = _frame(con.execute(query).to_arrow_table()).set_index(suite.index_column, drop=False)
    failed = [c for c in outcome.checks if c.failures]
    assert failed and any(c.check.rule.expectation.startswith("expect_multicolumn") for c in failed)
    for check in failed:
        rows = pd.concat(check.failures, ignore_index=True)
        assert list(rows.columns) == columns, check.check.check_id
        assert rows[suite.index_column].is_unique, check.check.check_id
        expected = every_row.loc[rows[suite.index_column]].reset_index(drop=True)
        pd.testing.assert_frame_equal(rows, expected, check_names=False)


def _totals(outcomes: list[Any]) -> list[tuple[str, list[tuple[str, int, int, int]]]]:
    return [
        (s.suite.name, [(c.check.check_id, c.evaluated, c.unexpected, len(c.failure_frame)) for c in s.checks])
        for s in outcomes
    ]


def _documents(outcomes: list[Any]) -> list[Any]:
    """Each suite's rendered JSON document, without GX's random expectation ids."""
    documents = []
    for outcome in outcomes:
        document = json.loads(outcome.rendered.document) if outcome.rendered else None
        for expectation in (document or {}).get("expectations", []):
            expectation.pop("id", None)
        documents.append(document)
    return documents


def test_suites_validated_in_worker_processes_give_the_same_outcomes(checked: dict[str, Any]) -> None:
    from pipelines.quality.runner import Finishing, validate_suites
    from pipelines.quality.stage import _runnable
    from pipelines.quality.suites_staging import staging_suites

    settings = checked["settings"]
    with connect(settings) as con:
        suites, _ = _runnable(con, staging_suites(settings, con))
    warehouse = str(settings.warehouse_path)
    finishing = Finishing(run_id="r1", as_of=settings.as_of)
    alone = validate_suites(warehouse, suites, workers=1, finishing=finishing)
    side_by_side = validate_suites(warehouse, suites, workers=2, finishing=finishing)
    assert _totals(side_by_side) == _totals(alone)
    # each suite is finished where it was validated (its Data Docs page rendered, its failing
    # records masked into dq.failures rows), the same in either mode
    assert _documents(side_by_side) == _documents(alone)
    assert all(s.rendered is not None for s in side_by_side if s.rows)
    masked = [c.failure_frame for s in side_by_side for c in s.checks]
    assert all(f is not None for f in masked)
    assert sum(len(f) for f in masked) == sum(len(c.failure_frame) for s in alone for c in s.checks) > 0
    assert any(c.unexpected for s in side_by_side for c in s.checks)
    # a process holding the warehouse for writing (all stages in one `dag.test()` process):
    # the workers cannot open it, and the suites are validated in this process instead
    with connect(settings):
        fallback = validate_suites(warehouse, suites, workers=2, finishing=finishing)
    assert _totals(fallback) == _totals(alone)
