"""Order in time (时序性): dates declared in the source contracts as events of a party, and dates
declared not before another date of their row, checked on hand-made rows.

GIVEN staged rows of several sources, each rule on a row dated before, on the same day as, and
after what it cannot precede (a person's birth from the row's birth date or, without one, from a
valid ID number; an organisation's establishment in the row or, for a licence, in the
legal-entity library through the resolved organisation),
WHEN `check staging` and `check libraries` run,
THEN exactly the rows dated before land in dq.failures, under the event's column, with file and
line, dimension 时效性 and indicator "correct order in time".
"""

from __future__ import annotations

from datetime import date
from typing import Any

import duckdb
import pytest

from pipelines.contracts import get_contract
from pipelines.contracts.schema import Column, Party, SourceContract
from pipelines.quality import check_libraries, check_staging
from pipelines.quality.time_order import event_checks, within_row_pairs
from pipelines.settings import load_settings
from pipelines.standards import id_check_char
from pipelines.warehouse import connect
from quality.helpers import make_project, source_rows, write_source, write_table

AS_OF = date(2026, 11, 1)
REGISTER = "gongan/2026-10-08/户籍人口_20261008.csv"
MARRIAGE = "minzheng/2026-10-06/婚姻登记_202609.xlsx"
PAYMENTS = "renshe/2026-10-09/社保缴费发放_202609.csv"
ENTERPRISE = "shichang/2026-10-03/企业登记_20261003.csv"
CREMATION = "minzheng/2026-10-05/殡葬火化_202609.csv"
LICENCE = "shenpi/2026-10-06/行政许可_202609.csv"
BORN = date(1985, 3, 15)


def person_id(born: date, serial: int) -> str:
    body = f"371523{born:%Y%m%d}{serial:03d}"
    return body + id_check_char(body)


def _valid(rows: list[dict[str, Any]], *columns: str) -> list[dict[str, Any]]:
    """Staging's validity flags of the ID numbers of the rows (the crafted numbers are valid)."""
    for row in rows:
        for column in columns:
            row[f"is_{column}_valid"] = row[column] is not None and not row[column].startswith("9999")
    return rows


def _register() -> list[dict[str, Any]]:
    base = {"name": "张三", "household_no": "H1", "status": "正常"}
    values = [
        {"registered_date": date(1985, 3, 14), "birth_date": BORN},  # 2: the day before the birth
        {"registered_date": BORN, "birth_date": BORN},  # 3: the day of the birth
        {"registered_date": date(1985, 3, 16), "birth_date": BORN},  # 4: the day after
        {"registered_date": date(1985, 3, 14), "birth_date": None},  # 5: no birth date, valid ID
        {"registered_date": BORN, "birth_date": None},  # 6: no birth date, the ID's birth day
        {"registered_date": date(1985, 3, 14), "birth_date": None, "id": "999999198503150000"},  # 7: invalid ID
    ]
    rows = [
        {**base, "id_number": v.pop("id", person_id(BORN, i)), "household_no": f"H{i}", **v}
        for i, v in enumerate(values)
    ]
    return _valid(source_rows("gongan__household_register", REGISTER, date(2026, 10, 8), rows), "id_number")


def _marriages() -> list[dict[str, Any]]:
    husband, wife = person_id(date(1983, 1, 1), 11), person_id(BORN, 22)
    values = [
        date(1984, 6, 1),  # 2: after the husband's birth, before the wife's
        BORN,  # 3: the day the younger one was born
        date(2010, 5, 1),  # 4: after both
    ]
    rows = [
        {"certificate_no": f"J{i}", "registration_type": "结婚", "male_name": "李四", "male_id_number": husband,
         "male_birth_date": date(1983, 1, 1), "female_name": "王五", "female_id_number": wife,
         "female_birth_date": None, "registration_date": day}
        for i, day in enumerate(values)
    ]
    return _valid(source_rows("minzheng__marriage_registration", MARRIAGE, date(2026, 10, 6), rows),
                  "male_id_number", "female_id_number")


def _payments() -> list[dict[str, Any]]:
    number = person_id(BORN, 33)  # no birth date column: the ID number's
    periods = ["198502", "198503", "198504"]  # 2: a month before the birth's, 3: its month, 4: after
    rows = [
        {"personal_no": "P1", "name": "赵六", "id_number": number, "period": p, "business_type": "缴费", "amount": 10.0}
        for p in periods
    ]
    return _valid(source_rows("renshe__payments", PAYMENTS, date(2026, 10, 9), rows), "id_number")


def _enterprises() -> list[dict[str, Any]]:
    est = date(2015, 6, 1)
    values = [
        {"approved": date(2015, 5, 31)},  # 2: approved before established
        {"approved": est},  # 3: the same day
        {"approved": date(2016, 1, 4), "deregistered": date(2014, 1, 1)},  # 4: deregistered before
        {"approved": date(2020, 1, 4), "deregistered": est},  # 5: deregistered the day it was established
    ]
    rows = [
        {"uscc": f"9137152300000000{i}X", "name": f"茌平某公司{i}", "established": est, "status": "存续", **v}
        for i, v in enumerate(values)
    ]
    return source_rows("shichang__enterprise", ENTERPRISE, date(2026, 10, 3), rows)


def _cremations() -> list[dict[str, Any]]:
    died = date(2026, 9, 10)
    values = [
        {"cremation_date": date(2026, 9, 9)},  # 2: cremated before the death
        {"cremation_date": died},  # 3: the same day
        {"cremation_date": date(2026, 9, 12)},  # 4: after
        {"cremation_date": date(2026, 9, 12), "death_date": date(1985, 3, 1)},  # 5: died before born (ID)
    ]
    rows = [
        {"cremation_no": f"HH{i}", "name": "孙七", "id_number": person_id(BORN, 40 + i), "death_date": died, **v}
        for i, v in enumerate(values)
    ]
    return _valid(source_rows("minzheng__death_cremation", CREMATION, date(2026, 10, 5), rows), "id_number")


def _licences() -> list[dict[str, Any]]:
    values = [
        {"decision_date": date(2018, 4, 1), "valid_from": date(2018, 4, 1), "valid_to": date(2023, 4, 1)},  # 2
        {"decision_date": date(2018, 4, 2), "valid_from": date(2018, 4, 2), "valid_to": date(2023, 4, 1)},  # 3
        {"decision_date": date(2019, 1, 2), "valid_from": date(2019, 1, 2), "valid_to": date(2024, 1, 1)},  # 4
        {"decision_date": date(2019, 1, 2), "valid_from": date(2019, 1, 2), "valid_to": date(2019, 1, 1)},  # 5
        {"decision_date": date(2001, 1, 2), "valid_from": date(2001, 1, 2), "valid_to": date(2024, 1, 1)},  # 6
    ]
    rows = [
        {"party_name": "茌平某公司", "uscc": "91371523000000000X", "decision_no": f"许{i}", "licence_no": f"L{i}", **v}
        for i, v in enumerate(values)
    ]
    return source_rows("shenpi__licence", LICENCE, date(2026, 10, 6), rows)


@pytest.fixture(scope="module")
def checked(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    base = tmp_path_factory.mktemp("time_order")
    settings = load_settings(
        root=make_project(base / "project"),
        warehouse=base / "warehouse" / "govdata.duckdb",
        landing=base / "landing",
        reports=base / "reports",
        as_of=AS_OF,
    )
    licences = _licences()
    with connect(settings) as con:
        write_source(con, "gongan__household_register", _register())
        write_source(con, "minzheng__marriage_registration", _marriages())
        write_source(con, "renshe__payments", _payments())
        write_source(con, "shichang__enterprise", _enterprises())
        write_source(con, "minzheng__death_cremation", _cremations())
        write_source(con, "shenpi__licence", licences)
        # the licence rows (but the last) resolved to one organisation established 2018-04-02
        write_table(con, "er.org_xref", [
            {"source": "shenpi__licence", "record_id": r["row_id"] + "#holder", "org_id": "O1"} for r in licences[:4]
        ])
        write_table(con, "lib_legal_entity.organization", [{"org_id": "O1", "established": date(2018, 4, 2)}])
    staging = check_staging(settings)
    libraries = check_libraries(settings)
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as con:
        failures = con.execute(
            'select source_file, line, "column", check_id, dimension, indicator, stage from dq.failures '
            "where check_id like '%event_after%' or check_id like '%period_in_order%'"
        ).fetchall()
        results = con.execute(
            'select check_id, elements_evaluated, unexpected_count from dq.results '
            "where check_id like '%event_after%' or check_id like '%period_in_order%'"
        ).fetchall()
    return {"staging": staging, "libraries": libraries, "failures": failures, "results": results}


def _flagged(checked: dict[str, Any], file: str, rule: str) -> set[tuple[str, str]]:
    """(line, column) of the failures of a rule in a file."""
    return {(line, column) for f, line, column, check_id, *_ in checked["failures"]
            if f == file and f":{rule}:" in check_id}


def test_person_event_before_birth_is_flagged_the_same_day_is_not(checked: dict[str, Any]) -> None:
    assert _flagged(checked, REGISTER, "event_after_birth") == {("2", "registered_date"), ("5", "registered_date")}


def test_birth_from_a_valid_id_number_when_the_row_has_no_birth_date(checked: dict[str, Any]) -> None:
    flagged = _flagged(checked, REGISTER, "event_after_birth")
    assert ("5", "registered_date") in flagged  # the ID number's birth date
    assert ("6", "registered_date") not in flagged  # on the ID number's birth day
    assert ("7", "registered_date") not in flagged  # an invalid number dates nothing


def test_an_event_of_two_people_is_not_before_the_younger_ones_birth(checked: dict[str, Any]) -> None:
    assert _flagged(checked, MARRIAGE, "event_after_birth") == {("2", "registration_date")}


def test_a_month_is_in_order_when_the_birth_falls_in_it(checked: dict[str, Any]) -> None:
    assert _flagged(checked, PAYMENTS, "event_after_birth") == {("2", "period")}


def test_organisation_event_before_its_establishment_in_the_row(checked: dict[str, Any]) -> None:
    assert _flagged(checked, ENTERPRISE, "event_after_establishment") == {("2", "approved"), ("4", "deregistered")}


def test_dates_of_a_row_in_order_and_death_not_before_birth(checked: dict[str, Any]) -> None:
    assert _flagged(checked, CREMATION, "period_in_order") == {("2", "cremation_date")}
    assert _flagged(checked, CREMATION, "event_after_birth") == {("5", "death_date")}
    assert _flagged(checked, LICENCE, "period_in_order") == {("5", "valid_to")}


def test_licence_checked_through_the_registry_when_its_row_lacks_the_establishment(checked: dict[str, Any]) -> None:
    flagged = _flagged(checked, LICENCE, "event_after_registered_establishment")
    # line 2 the day before (decision and valid-from), 3 the day of establishment; 6 is unresolved
    assert flagged == {("2", "decision_date"), ("2", "valid_from")}
    stages = {stage for f, _, _, check_id, *_, stage in checked["failures"] if "registered_establishment" in check_id}
    assert stages == {"libraries"}  # the crosswalk exists only after resolution
    evaluated = {check_id: n for check_id, n, _ in checked["results"] if "registry_order__shenpi" in check_id}
    assert evaluated["registry_order__shenpi__licence:event_after_registered_establishment:decision_date"] == 4


def test_every_failure_carries_timeliness_and_order_in_time(checked: dict[str, Any]) -> None:
    assert checked["failures"]
    assert {(f[4], f[5]) for f in checked["failures"]} == {("时效性", "correct order in time")}


def test_a_new_source_gets_the_checks_by_declaring_its_columns() -> None:
    contract = SourceContract(
        department="demo", department_zh="示例", table="visit", table_zh="来访登记", file_pattern=r"^x$",
        format="csv", delivery_mode="incremental", update_cycle="monthly", key=("visit_no",),
        parties=(Party(role="visitor", kind="person", fields={"id_number": "visitor_id", "birth_date": "born"}),),
        columns=(
            Column(name="visit_no", name_zh="编号"),
            Column(name="visitor_id", name_zh="身份证号", type="id_number"),
            Column(name="born", name_zh="出生日期", type="date"),
            Column(name="visited", name_zh="来访日期", type="date", event_of=("visitor",)),
            Column(name="left", name_zh="离开日期", type="date", not_before=("visited",)),
        ),
    )
    staged = {"visit_no", "visitor_id", "is_visitor_id_valid", "born", "visited", "left"}
    (event,) = event_checks(contract, staged)
    assert (event.column, event.kind, event.roles) == ("visited", "person", ("visitor",))
    assert within_row_pairs(contract, staged) == [("visited", "left")]


def test_a_declaration_naming_an_unknown_party_or_column_is_refused() -> None:
    household = get_contract("gongan__household_register")
    with pytest.raises(ValueError, match="not parties"):
        SourceContract(**{**household.model_dump(), "columns": (
            *household.columns[:-1], Column(name="registered_date", name_zh="登记日期", event_of=("spouse",)))})
