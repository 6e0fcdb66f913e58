"""The publication gate across redeliveries.

GIVEN a household register delivered at its accepted error rate (the baseline), published,
WHEN the department redelivers the register with twice the accepted rate of bad ID numbers,
THEN the staging error check fails, the population library's gate closes and `govdata publish`
writes nothing for it; WHEN the corrected file is redelivered, the gate opens and publish writes.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest

from pipelines.publish import run_publish
from pipelines.quality import check_libraries, check_staging, gate_status
from pipelines.settings import Settings, load_settings
from pipelines.warehouse import connect
from quality.helpers import REGISTER, household_rows, make_ids, make_project, write_source, write_table

ACCEPTED_RATE = 0.02
N = 1000
OPEN_FILE = "population_by_township.csv"


def _register_delivery(day: date, bad: int) -> list[dict[str, Any]]:
    """A full register snapshot delivered on `day` with `bad` mistyped ID numbers."""
    file = f"gongan/{day.isoformat()}/户籍人口_{day:%Y%m%d}.csv"
    rows = household_rows(make_ids(N), file=file, delivered=day)
    for row in rows[:bad]:
        number = row["id_number"]
        row["id_number"] = number[:12] + str((int(number[12]) + 3) % 10) + number[13:]
    return rows


def _deliver(settings: Settings, deliveries: list[list[dict[str, Any]]]) -> None:
    """Stage the deliveries so far (the latest is current) and rebuild the library table."""
    latest = max(rows[0]["delivery_date"] for rows in deliveries)
    rows = [dict(r, is_current=r["delivery_date"] == latest) for d in deliveries for r in d]
    with connect(settings) as con:
        write_source(con, REGISTER, rows)
        person = [
            {"person_id": f"P{i:05d}", "id_number": r["id_number"], "id_number_source": REGISTER, "name": r["name"],
             "gender": r["gender"], "birth_date": r["birth_date"], "township_code": r["division_code"][:9],
             "register_status": "正常"}
            for i, r in enumerate(x for x in rows if x["is_current"])
        ]
        write_table(con, "lib_population.person", person)


def _check_and_publish(settings: Settings) -> bool:
    check_staging(settings)
    check_libraries(settings)
    (settings.open_path / OPEN_FILE).unlink(missing_ok=True)
    run_publish(settings)
    with connect(settings) as con:
        assert gate_status(con, "lib_population") == (settings.open_path / OPEN_FILE).exists()
        return gate_status(con, "lib_population")


@pytest.fixture
def settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    root = make_project(tmp_path / "project")
    check = f"stg_{REGISTER}:id_number_valid:id_number"
    (root / "expectations" / "baseline.yaml").write_text(
        f"measured_on: test\nrates:\n  {check}: {ACCEPTED_RATE}\n", encoding="utf-8"
    )
    values = {
        "GOVDATA_ROOT": str(root),
        "GOVDATA_WAREHOUSE": str(tmp_path / "warehouse" / "govdata.duckdb"),
        "GOVDATA_REPORTS": str(tmp_path / "reports"),
        "GOVDATA_OPEN_DIR": str(tmp_path / "open"),
        "GOVDATA_AS_OF": "2026-11-01",
    }
    for key, value in values.items():
        monkeypatch.setenv(key, value)  # publish asks the gate with the environment's settings
    return load_settings()


def test_twice_the_accepted_error_rate_closes_the_gate_and_the_correction_reopens_it(settings: Settings) -> None:
    accepted = int(N * ACCEPTED_RATE)
    first = _register_delivery(date(2026, 10, 8), bad=accepted)
    _deliver(settings, [first])
    assert _check_and_publish(settings) is True

    worse = _register_delivery(date(2026, 10, 20), bad=2 * accepted)
    _deliver(settings, [first, worse])
    assert _check_and_publish(settings) is False
    with connect(settings) as con:
        failing = con.execute(
            "select failing_checks from dq.gate where library = 'lib_population' order by evaluated_at desc limit 1"
        ).fetchone()
    assert failing is not None
    # the staging check of the redelivered file, and the library's own check of the numbers it took
    assert set(failing[0]) == {f"stg_{REGISTER}:id_number_valid:id_number", "lib_population__person:id_number_valid:id_number"}

    corrected = _register_delivery(date(2026, 10, 25), bad=accepted)
    _deliver(settings, [first, worse, corrected])
    assert _check_and_publish(settings) is True
    with connect(settings) as con:
        history = con.execute("select passed from dq.gate where library = 'lib_population' order by evaluated_at").fetchall()
    assert history == [(True,), (False,), (True,)]
