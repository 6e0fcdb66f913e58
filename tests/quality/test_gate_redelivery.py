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
# The open dataset of the population library (its catalog code 204007/00001 as the folder name).
OPEN_FILE = "204007-00001/data.csv"

# The person mart and one open dataset built from it, declared with their catalog entries (the
# release opens what the catalog allows).
_CATALOG = """
        catalog:
          resource_name: {name}
          classification: {classification}
          sequence: 1
          provider: dashuju
          format: 数据库
          update_cycle: 每季度
          sharing_type: 无条件共享
          sharing_method: 共享平台方式
          open_attribute: {open}
          related: {related}"""
PERSON_MART_YAML = """
version: 2
models:
  - name: person
    description: "人口基础库·人员. Grain: one row per resolved person."
    config:
      schema: lib_population
      meta:""" + _CATALOG.format(name="人口基础信息", classification="基础信息资源/人口/人口基本信息", open="不予开放",
                                related="[]") + """
    columns:
""" + "".join(
    f"      - {{name: {n}, data_type: {t}, description: {z}, meta: {{sensitivity: {s}, length: 20}}}}\n"
    for n, t, z, s in [("person_id", "varchar", "人员标识", "internal"), ("id_number", "varchar", "公民身份号码", "sensitive"),
                       ("id_number_source", "varchar", "来源", "internal"), ("name", "varchar", "姓名", "personal"),
                       ("gender", "varchar", "性别", "personal"), ("birth_date", "date", "出生日期", "personal"),
                       ("township_code", "varchar", "乡镇代码", "public"), ("register_status", "varchar", "户籍状态", "internal")]
)
OPEN_YAML = """
version: 2
models:
  - name: population_by_township
    description: "各乡镇（街道）户籍人口. Grain: one row per township."
    config:
      meta:""" + _CATALOG.format(name="各乡镇（街道）户籍人口", classification="主题信息资源/开放数据/人口", open="无条件开放",
                                related="[lib_population.person]") + """
        open:
          grain: aggregate
          suppress: {counts: [population]}
    columns:
      - {name: township_code, data_type: varchar, description: 乡镇代码, meta: {sensitivity: public, length: 12}}
      - {name: population, data_type: bigint, description: 户籍人口, meta: {sensitivity: public}}
"""


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
        # what dbt builds from it in the open_data schema
        con.execute("create schema if not exists open_data")
        con.execute("create or replace table open_data.population_by_township as select township_code, "
                    "count(*) as population from lib_population.person group by 1 order by 1")


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
    marts = root / "dbt_project" / "models"
    (marts / "marts" / "population" / "_population__models.yml").write_text(PERSON_MART_YAML, encoding="utf-8")
    (marts / "open_data").mkdir()
    (marts / "open_data" / "_open_data__models.yml").write_text(OPEN_YAML, encoding="utf-8")
    check = f"stg_{REGISTER}:id_number_valid:id_number"
    (root / "expectations" / "baseline.yaml").write_text(
        f"measured_on: test\nrates:\n  {check}: {ACCEPTED_RATE}\n", encoding="utf-8"
    )
    values = {
        "GOVDATA_ROOT": str(root),
        "GOVDATA_WAREHOUSE": str(tmp_path / "warehouse" / "govdata.duckdb"),
        "GOVDATA_REPORTS": str(tmp_path / "reports"),
        "GOVDATA_OPEN_DIR": str(tmp_path / "open"),
        "GOVDATA_CATALOG_DIR": str(tmp_path / "catalog"),
        "GOVDATA_SHARE_DIR": str(tmp_path / "share"),
        "GOVDATA_REQUESTS_DIR": str(tmp_path / "requests"),
        "GOVDATA_APPROVALS_DIR": str(tmp_path / "approvals"),
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
