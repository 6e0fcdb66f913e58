"""Walking skeleton: the GB 11643 check runs with GX on the household register, lands in
dq.results / dq.failures with lineage, and the gate opens and closes."""

from __future__ import annotations

import duckdb

from pipelines.quality import check_libraries, check_staging, gate_status
from pipelines.settings import Settings
from pipelines.warehouse import connect
from quality.helpers import household_rows, make_ids, write_register, write_table

BAD_IDS = ["110105194912310021", "3.71503E+17"]


def test_checksum_failures_recorded_with_lineage(settings: Settings) -> None:
    # GIVEN a household register with 100 valid and 2 invalid ID numbers
    with connect(settings) as con:
        write_register(con, household_rows(make_ids(100) + BAD_IDS))
    # WHEN the staging checks run
    summary = check_staging(settings)
    # THEN the checksum expectation counts exactly the 2 bad numbers, with masked values and lineage
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as con:
        result = con.execute(
            'select elements_evaluated, unexpected_count, dimension, success from dq.results '
            "where \"table\" = 'staging.stg_gongan__household_register' and \"column\" = 'id_number' "
            "and expectation like '%id_number%'"
        ).fetchall()
        failures = con.execute(
            "select source_file, line, department, value from dq.failures "
            "where expectation = 'expect_column_values_to_be_valid_id_number' order by line"
        ).fetchall()
    assert result == [(102, 2, "准确性", True)]
    assert [(f[1], f[2]) for f in failures] == [("102", "gongan"), ("103", "gongan")]
    assert failures[0][0] == "gongan/2026-10-01/户籍人口20261001.csv"
    assert failures[0][3] == "110105***********1"
    assert summary["failed error checks"] == 0


def _person_rows(ids: list[str]) -> list[dict[str, object]]:
    return [
        {"person_id": f"P{i:06d}", "id_number": n, "id_number_source": "gongan__household_register",
         "name": "张三", "gender": None, "birth_date": None}
        for i, n in enumerate(ids)
    ]


def test_gate_closes_on_failed_error_check_and_reopens(settings: Settings) -> None:
    # GIVEN declared checks for the population library that have never run: the gate is closed
    with connect(settings) as con:
        assert gate_status(con, "population", settings) is False
        assert gate_status(con, "lib_no_such_library", settings) is True  # nothing declared
        write_register(con, household_rows(make_ids(100)))
        write_table(con, "lib_population.person", _person_rows(make_ids(100) + BAD_IDS * 5))
    # WHEN the library checks run on a person table with 10 bad ID numbers in 110 (error check fails)
    check_staging(settings)
    summary = check_libraries(settings)
    with connect(settings) as con:
        closed = gate_status(con, "lib_population", settings)
        gate = con.execute("select library, status, failing_checks from dq.gate").fetchall()
        failure = con.execute(
            "select department, source, value from dq.failures where \"table\" = 'lib_population.person' limit 1"
        ).fetchone()
    assert closed is False
    assert gate == [("lib_population", "fail", ["lib_population__person:id_number_valid:id_number"])]
    assert failure == ("gongan", "gongan__household_register", "110105***********1")
    assert "population" in str(summary["gates closed"])
    # WHEN the data is corrected and checked again THEN the gate reopens, history kept
    with connect(settings) as con:
        write_table(con, "lib_population.person", _person_rows(make_ids(100)))
    check_libraries(settings)
    with connect(settings) as con:
        assert gate_status(con, "population", settings) is True
        assert con.execute("select count(*) from dq.gate").fetchone() == (2,)
        assert con.execute("select count(distinct run_id) from dq.results").fetchone() == (3,)
