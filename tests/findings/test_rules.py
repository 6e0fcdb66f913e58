"""Each rule on a crafted small case and its near-misses; evidence names both sides with file and line."""

from __future__ import annotations

import json
from datetime import date

import duckdb
import polars as pl

from pipelines.findings.rule import Detection, RuleContext
from pipelines.findings.rules import rule_by_code
from tests.findings.crafted import Crafted

AS_OF = date(2026, 11, 1)
DEATHS = "staging.stg_weijian__death_certificate"
CREMATIONS = "staging.stg_minzheng__death_cremation"
REGISTER = "staging.stg_gongan__household_register"
PAYMENTS = "staging.stg_renshe__payments"
ALLOWANCE = "staging.stg_minzheng__subsistence_allowance"


def detect(crafted: Crafted, code: str) -> Detection:
    rule = rule_by_code(code)
    with duckdb.connect(str(crafted.path)) as con:
        return rule.detect(rule, RuleContext(con, AS_OF, ("山东省", "聊城市", "茌平区", "茌平县")))


def evidence_of(detection: Detection, key: str) -> pl.DataFrame:
    return detection.evidence.filter(pl.col("finding_key") == key)


def pension(crafted: Crafted, person: str, period: str, amount: float = 2000.0, kind: str = "待遇发放",
            file: str = "renshe/2026-10-06/社保缴费发放_202609.csv") -> str:
    return crafted.add(PAYMENTS, file=file, person=person, personal_no=f"NO-{person}", name="王大山",
                       id_number="371523195001011234", period=period, business_type=kind, amount=amount)


def test_benefits_after_death_flags_periods_after_the_death_month_only(crafted: Crafted) -> None:
    death = crafted.add(DEATHS, file="weijian/2026-04-05/死亡医学证明_202603.jsonl", person="P1",
                        certificate_no="D001", name="王大山", id_number="371523195001011234",
                        death_date=date(2026, 3, 15))
    pension(crafted, "P1", "202602")  # arrears for a period before the death: not a finding
    pension(crafted, "P1", "202603")  # the month of death itself: not a finding
    after = [pension(crafted, "P1", "202604"), pension(crafted, "P1", "2026-05", amount=2100.0)]
    pension(crafted, "P1", "202605", kind="缴费")  # a contribution, not a benefit
    # the cremation record (minzheng) of another person, and her allowance paid on after it
    crafted.add(CREMATIONS, person="P2", cremation_no="H9", name="李秀", death_date=date(2026, 5, 10))
    crafted.add(ALLOWANCE, person="P2", name="李秀", id_number="371503196002020021", month="202605", amount=560.0)
    allowance_after = crafted.add(ALLOWANCE, person="P2", name="李秀", id_number="371503196002020021",
                                  month="202606", amount=560.0)
    # the register says dead from its July snapshot: only periods after July count
    reg = crafted.add(REGISTER, person="P3", delivered=date(2026, 7, 20), status="死亡", household_no="H3",
                      id_number="371503194001010011", name="赵一")
    pension(crafted, "P3", "202607")
    late = pension(crafted, "P3", "202608")
    pension(crafted, "P4", "202610")  # alive: nothing

    found = detect(crafted, "benefits_after_death")
    keys = sorted(found.findings["finding_key"])
    assert keys == ["P1|renshe__payments", "P2|minzheng__subsistence_allowance", "P3|renshe__payments"]
    p1 = found.findings.filter(pl.col("finding_key") == "P1|renshe__payments").row(0, named=True)
    assert p1["amount"] == 4100.0 and json.loads(p1["measured"])["months"] == 2
    ev = evidence_of(found, "P1|renshe__payments")
    assert ev.filter(pl.col("role") == "death").select("record_id", "source", "source_file", "line").row(0) == (
        death, "weijian__death_certificate", "weijian/2026-04-05/死亡医学证明_202603.jsonl", "2")
    paid = ev.filter(pl.col("role") == "payment_after_death")
    assert sorted(paid["record_id"]) == sorted(after)
    assert set(paid["source_file"]) == {"renshe/2026-10-06/社保缴费发放_202609.csv"}
    assert sorted(paid["line"]) == ["4", "5"]
    assert evidence_of(found, "P2|minzheng__subsistence_allowance").filter(
        pl.col("role") == "payment_after_death")["record_id"].to_list() == [allowance_after]
    p3 = evidence_of(found, "P3|renshe__payments")
    assert p3.filter(pl.col("role") == "death")["record_id"].to_list() == [reg]
    assert p3.filter(pl.col("role") == "payment_after_death")["record_id"].to_list() == [late]


def test_benefits_after_death_residents_basic_pension(crafted: Crafted) -> None:
    """The residents' basic pension (城乡居民基本养老保险, a couple of hundred yuan a month) is a
    benefit like the employees' pension: drawn for months after the cremation it is a finding with
    its small amounts summed; the month of death and arrears paid later for the month before are
    not. A living pensioner's payments are nothing."""
    file = "renshe/2026-09-06/社保缴费发放_202608.csv"
    crafted.add(CREMATIONS, file="minzheng/2026-06-03/火化_202605.csv", person="R1", cremation_no="H1",
                name="张桂兰", death_date=date(2026, 5, 20))
    resident = {"insurance_type": "城乡居民基本养老保险", "file": file}
    crafted.add(PAYMENTS, person="R1", personal_no="NO-R1", period="202604", business_type="待遇发放", amount=180.0,
                pay_date=date(2026, 6, 15), **resident)  # arrears of a month before the death, paid after it
    crafted.add(PAYMENTS, person="R1", personal_no="NO-R1", period="202605", business_type="待遇发放", amount=180.0,
                **resident)  # the month of death
    after = [crafted.add(PAYMENTS, person="R1", personal_no="NO-R1", period=f"2026{m:02d}", business_type="待遇发放",
                         amount=180.0, **resident) for m in (6, 7, 8)]
    crafted.add(PAYMENTS, person="R2", personal_no="NO-R2", period="202608", business_type="待遇发放", amount=230.0,
                **resident)  # alive
    found = detect(crafted, "benefits_after_death")
    assert found.findings["finding_key"].to_list() == ["R1|renshe__payments"]
    finding = found.findings.row(0, named=True)
    assert finding["amount"] == 540.0 and json.loads(finding["measured"])["months"] == 3
    paid = evidence_of(found, "R1|renshe__payments").filter(pl.col("role") == "payment_after_death")
    assert sorted(paid["record_id"]) == sorted(after) and set(paid["source_file"]) == {file}
    death = evidence_of(found, "R1|renshe__payments").filter(pl.col("role") == "death").row(0, named=True)
    assert (death["source"], death["source_file"]) == ("minzheng__death_cremation", "minzheng/2026-06-03/火化_202605.csv")


def test_benefits_after_death_counts_a_resent_period_once(crafted: Crafted) -> None:
    crafted.add(DEATHS, person="P1", certificate_no="D1", death_date=date(2026, 3, 15))
    pension(crafted, "P1", "202604", file="renshe/2026-05-06/a.csv")
    again = pension(crafted, "P1", "202604", file="renshe/2026-06-06/b.csv")
    crafted.query(f"update {PAYMENTS} set delivery_date = date '2026-06-06' where row_id = ?", [again])
    found = detect(crafted, "benefits_after_death")
    assert found.findings["amount"].to_list() == [2000.0]
    assert evidence_of(found, "P1|renshe__payments").filter(pl.col("role") == "payment_after_death")[
        "record_id"].to_list() == [again]


LIC_E = "lib_elicense.elicence"
LIC_A = "lib_credit.administrative_licence"
ENTERPRISE = "staging.stg_shichang__enterprise"


def test_licence_after_deregistration_beyond_the_grace_period(crafted: Crafted) -> None:
    dereg = crafted.add(ENTERPRISE, org="O1", uscc="91371503MA3C000011", name="甲公司", status="注销",
                        deregistered=date(2026, 5, 1))
    e1 = crafted.add(LIC_E, source="dzzz__org_licence", org_id="O1", licence_no="L-1", licence_name="食品经营许可证",
                     issue_date=date(2024, 1, 1), valid_to=date(2028, 1, 1), is_valid_as_of=True)
    a1 = crafted.add(LIC_A, source="shenpi__licence", org_id="O1", licence_no="A-1", certificate_name="排污许可证",
                     decision_date=date(2025, 1, 1), valid_to=date(2099, 12, 31), is_in_force=True)
    # deregistered a week before the as-of date: within the grace period
    crafted.add(ENTERPRISE, org="O2", uscc="91371503MA3C000022", status="注销", deregistered=date(2026, 10, 25))
    crafted.add(LIC_E, source="dzzz__org_licence", org_id="O2", licence_no="L-2", is_valid_as_of=True)
    # deregistered long ago but its licence was cancelled the same week
    crafted.add(ENTERPRISE, org="O3", uscc="91371503MA3C000033", status="注销", deregistered=date(2025, 5, 1))
    crafted.add(LIC_E, source="dzzz__org_licence", org_id="O3", licence_no="L-3", is_valid_as_of=False)
    # active
    crafted.add(ENTERPRISE, org="O4", uscc="91371503MA3C000044", status="存续")
    crafted.add(LIC_E, source="dzzz__org_licence", org_id="O4", licence_no="L-4", is_valid_as_of=True)
    # a social organisation cancelled (no date column): first snapshot saying so
    crafted.add("staging.stg_minzheng__social_organization", org="O5", uscc="51371503MJ0000055", status="撤销",
                delivered=date(2026, 1, 10), current=False, sha="bbbbbbbbbbbb")
    s5 = crafted.add("staging.stg_minzheng__social_organization", org="O5", uscc="51371503MJ0000055",
                     status="撤销", delivered=date(2026, 10, 10))
    crafted.add(LIC_A, source="shenpi__licence", org_id="O5", licence_no="A-5", is_in_force=True)
    found = detect(crafted, "licence_after_deregistration")
    assert sorted(found.findings["entity_id"]) == ["O1", "O5"]
    ev = evidence_of(found, "O1|91371503MA3C000011")
    assert ev.filter(pl.col("role") == "deregistration")["record_id"].to_list() == [dereg]
    assert sorted(ev.filter(pl.col("role") == "licence_in_force")["record_id"]) == sorted([e1, a1])
    assert ev["source_file"].null_count() == 0 and ev["line"].null_count() == 0
    o5 = found.findings.filter(pl.col("entity_id") == "O5").row(0, named=True)
    assert json.loads(o5["measured"])["ended_date"] == "2026-01-10"
    assert evidence_of(found, "O5|51371503MJ0000055").filter(pl.col("role") == "deregistration")[
        "record_id"].to_list() == [s5]


POWER_USE = "staging.stg_gongdian__consumption"
MONTHS = [f"2025{m:02d}" for m in (11, 12)] + [f"2026{m:02d}" for m in range(1, 11)]


def household(crafted: Crafted, no: str, address: str, people: int) -> list[str]:
    return [crafted.add(REGISTER, person=f"{no}-{i}", household_no=no, address=f"山东省聊城市茌平区{address}",
                        status="正常", name="张三", id_number=f"37150319800101{i:03d}X") for i in range(people)]


def readings(crafted: Crafted, table: str, account: str, uses: list[float], months: list[str] = MONTHS) -> list[str]:
    column = "kwh" if table == POWER_USE else "cubic_metres"
    return [crafted.add(table, file=f"x/{m}.csv", account_no=account, month=m, **{column: u})
            for m, u in zip(months, uses, strict=True)]


def test_registered_not_living_needs_a_year_without_power_and_water(crafted: Crafted) -> None:
    year = [date(2025, 11, 1), date(2025, 12, 1)] + [date(2026, m, 1) for m in range(1, 11)]
    members = household(crafted, "HH1", "乐平铺镇前村12号", 2)
    acc, zero = crafted.meter("HH1", "power", "P1", [0.0] * 12, year)
    water, zero_water = crafted.meter("HH1", "water", "W1", [0.0] * 12, year)
    crafted.meter("HH1", "power", "P0", [300.0], [date(2024, 6, 1)])  # use before the year looked at
    # winter only: part-year use is not a finding
    household(crafted, "HH2", "博平镇后村3号", 1)
    crafted.meter("HH2", "power", "P2", [90.0, 120.0, 110.0] + [0.0] * 9, year)
    # a new meter, read three months: too little to judge
    household(crafted, "HH3", "菜屯镇新村1号", 1)
    crafted.meter("HH3", "power", "P3", [0.0] * 3, year[-3:])
    # the old meter is idle but a member's new one is used
    household(crafted, "HH4", "韩屯镇西村8号", 1)
    crafted.meter("HH4", "power", "P4", [0.0] * 12, year)
    crafted.meter("HH4", "power", "P5", [150.0] * 12, year, basis="holder")
    found = detect(crafted, "registered_not_living")
    assert found.findings["finding_key"].to_list() == ["HH1"]
    assert json.loads(found.findings["measured"][0]) == {"registered": 2, "meters": 2, "months_read": 12}
    ev = evidence_of(found, "HH1")
    assert sorted(ev.filter(pl.col("role") == "registered_resident")["record_id"]) == sorted(members)
    assert sorted(ev.filter(pl.col("role") == "meter_account")["record_id"]) == sorted([acc, water, ev.filter(
        pl.col("detail").str.contains("P0"))["record_id"][0]])
    assert sorted(ev.filter(pl.col("role") == "zero_use")["record_id"]) == sorted(zero + zero_water)
    assert "HH1" not in found.findings["entity_id"].to_list()[0]  # the household number is not shown


FACTS = "lib_macro.indicator_fact"


def facts(crafted: Crafted, indicator: str, period: str, county: float, parts: list[float], unit: str = "万元") -> str:
    for i, value in enumerate(parts):
        crafted.add(FACTS, source="tongji__indicator", division_code=f"37150310{i}", division_level="township",
                    indicator=indicator, period=period, unit=unit, value=value, is_additive=True)
    return crafted.add(FACTS, source="tongji__indicator", division_code="371503", division_level="county",
                       indicator=indicator, period=period, unit=unit, value=county, is_additive=True)


def test_indicator_sum_mismatch_beyond_rounding(crafted: Crafted) -> None:
    total = facts(crafted, "社会消费品零售总额", "2026年1-9月", 1080.0, [300.1, 400.2, 299.7])
    facts(crafted, "一般公共预算收入", "2026年1-9月", 1000.1, [300.1, 400.2, 299.7])  # rounding by one unit
    facts(crafted, "户籍人口", "2026年1-9月", 1001.0, [300.0, 400.0, 300.0], unit="人")  # one person: rounding
    found = detect(crafted, "indicator_sum_mismatch")
    assert found.findings["finding_key"].to_list() == ["371503|社会消费品零售总额|2026年1-9月"]
    measured = json.loads(found.findings["measured"][0])
    assert measured["difference"] == 80.0 and measured["parts"] == 3
    ev = found.evidence
    assert ev.filter(pl.col("role") == "county_total")["record_id"].to_list() == [total]
    assert ev.filter(pl.col("role") == "township_part").height == 3
