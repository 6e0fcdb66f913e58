"""Rules 2, 4, 6, 8 and 9 on crafted cases and their near-misses."""

from __future__ import annotations

import json
from datetime import date, timedelta

import duckdb
import numpy as np
import polars as pl

from tests.findings.crafted import Crafted
from tests.findings.test_rules import DEATHS, MONTHS, REGISTER, detect, evidence_of, readings

PAYMENTS = "staging.stg_renshe__payments"
ALLOWANCE = "staging.stg_minzheng__subsistence_allowance"
PROPERTY = "staging.stg_zhujian__property_registration"
INDIVIDUAL = "staging.stg_shichang__individual_business"
ENTERPRISE = "staging.stg_shichang__enterprise"


def test_dead_still_acting_registration_after_death_only(crafted: Crafted) -> None:
    death = crafted.add(DEATHS, person="P1", certificate_no="D1", death_date=date(2026, 3, 15))
    marriage = crafted.add("staging.stg_minzheng__marriage_registration", person="P1", role="husband",
                           certificate_no="J1", registration_date=date(2026, 5, 1))
    crafted.add(PROPERTY, person="P1", role="owner", certificate_no="鲁(2026)1号", registered=date(2026, 3, 15))
    crafted.add("staging.stg_gongan__residence_permit", person="P1", permit_no="R1", apply_date=date(2025, 1, 1))
    crafted.add("staging.stg_dzzz__person_licence", person="P2", role="holder", licence_no="L9",
                issue_date=date(2026, 6, 1))  # alive
    found = detect(crafted, "dead_still_acting")
    assert found.findings["finding_key"].to_list() == ["P1|minzheng__marriage_registration|J1"]
    ev = found.evidence
    assert ev.filter(pl.col("role") == "death")["record_id"].to_list() == [death]
    assert ev.filter(pl.col("role") == "registration_after_death")["record_id"].to_list() == [marriage]
    assert json.loads(found.findings["measured"][0])["days_after_death"] == 47


def _allowance_household(crafted: Crafted, head: str, members: int = 1) -> str:
    for i in range(members):
        crafted.add(REGISTER, person=f"{head}-{i}" if i else head, household_no=f"HH-{head}", status="正常")
    return crafted.add(ALLOWANCE, person=head, id_number=f"ID-{head}", month="202610", amount=560.0)


def test_allowance_eligibility_property_business_wage_and_near_misses(crafted: Crafted) -> None:
    paid = _allowance_household(crafted, "A", members=2)  # a member owns two dwellings, 160 m2
    crafted.add(PROPERTY, person="A-1", role="owner", certificate_no="C1", registered=date(2020, 1, 1), floor_area=100)
    crafted.add(PROPERTY, person="A-1", role="owner", certificate_no="C2", registered=date(2021, 1, 1), floor_area=60)
    _allowance_household(crafted, "B")  # one dwelling, co-owned with... himself listed twice: 140 m2
    crafted.add(PROPERTY, person="B", role="owner", certificate_no="C3", registered=date(2020, 1, 1), floor_area=140)
    _allowance_household(crafted, "C")  # runs a business
    shop = crafted.add(INDIVIDUAL, person="C", role="operator", uscc="92X1", status="存续", established=date(2024, 1, 1))
    _allowance_household(crafted, "D")  # his business was deregistered
    crafted.add(INDIVIDUAL, person="D", role="operator", uscc="92X2", status="注销", established=date(2020, 1, 1))
    _allowance_household(crafted, "E")  # contributions on a wage base of 6,250
    wage = crafted.add(PAYMENTS, person="E", personal_no="NE", period="202609", business_type="缴费", amount=1500.0)
    _allowance_household(crafted, "F")  # a base of 5,833: below the threshold
    crafted.add(PAYMENTS, person="F", personal_no="NF", period="202609", business_type="缴费", amount=1400.0)
    found = detect(crafted, "allowance_eligibility")
    assert sorted(found.findings["finding_key"]) == ["A|property", "C|business", "E|wage"]
    assert evidence_of(found, "A|property").filter(pl.col("role") == "allowance")["record_id"].to_list() == [paid]
    assert evidence_of(found, "A|property").filter(pl.col("role") == "property_conflict").height == 2
    assert evidence_of(found, "C|business").filter(pl.col("role") == "business_conflict")["record_id"].to_list() == [shop]
    assert evidence_of(found, "E|wage").filter(pl.col("role") == "wage_conflict")["record_id"].to_list() == [wage]


POWER, POWER_USE = "staging.stg_gongdian__account", "staging.stg_gongdian__consumption"


def _business(crafted: Crafted, org: str, address: str, uses: list[float], revenue: float | None = None,
              tax: float | None = None) -> str:
    crafted.add(ENTERPRISE, org=org, uscc=f"91{org}", name=f"{org}有限公司", status="存续",
                address=f"山东省聊城市茌平区{address}")
    account = crafted.add(POWER, account_no=f"E-{org}", holder=f"{org}有限公司", address=f"茌平区{address}",
                          category="一般工商业用电")
    readings(crafted, POWER_USE, f"E-{org}", uses, MONTHS[-len(uses):])
    if revenue is not None:
        crafted.add("staging.stg_shichang__annual_report", org=org, uscc=f"91{org}", report_year=2025,
                    revenue=revenue, employees=8)
    if tax is not None:
        crafted.add("staging.stg_shuiwu__monthly_tax", org=org, taxpayer_id=f"91{org}", period_start=date(2026, 5, 1),
                    amount=tax)
    return account


def test_business_power_idle_meter_and_untaxed_power(crafted: Crafted) -> None:
    idle = _business(crafted, "O1", "信发街道工业路1号", [0.0] * 12, revenue=350.0)
    _business(crafted, "O2", "信发街道工业路2号", [20000.0] * 12)  # 240,000 kWh and no tax
    _business(crafted, "O3", "信发街道工业路3号", [20000.0] * 12, tax=8000.0)  # pays tax
    _business(crafted, "O4", "信发街道工业路4号", [500.0] * 12, revenue=90.0)  # uses power
    _business(crafted, "O5", "信发街道工业路5号", [0.0] * 3, revenue=90.0)  # new meter: 3 months
    found = detect(crafted, "business_power_mismatch")
    assert sorted(found.findings["finding_key"]) == ["O1|idle_meter", "O2|no_tax"]
    assert evidence_of(found, "O1|idle_meter").filter(pl.col("role") == "meter_account")["record_id"].to_list() == [idle]
    assert evidence_of(found, "O1|idle_meter").filter(pl.col("role") == "annual_report").height == 1


def test_business_meters_are_found_by_seat_or_by_holder(crafted: Crafted) -> None:
    """A business's meters: a non-residential account at its registered seat whoever holds it, or one
    held in its name wherever it is; each counted once, and a residential account at the seat not."""
    crafted.add(ENTERPRISE, org="O1", uscc="91O1", name="甲商贸有限公司", status="存续",
                address="山东省聊城市茌平区信发街道工业路1号")
    crafted.add("staging.stg_shichang__annual_report", org="O1", uscc="91O1", report_year=2025, revenue=120.0,
                employees=3)
    at_seat = crafted.add(POWER, account_no="M1", holder="张某", address="茌平区信发街道工业路1号",
                          category="一般工商业用电")
    in_name = crafted.add(POWER, account_no="M2", holder="甲商贸有限公司", address="茌平区振兴街道仓储路9号",
                          category="一般工商业用电")
    crafted.add(POWER, account_no="M3", holder="李某", address="茌平区信发街道工业路1号", category="居民生活用电")
    crafted.add(POWER, account_no="M4", holder="乙物流有限公司", address="茌平区振兴街道仓储路9号",
                category="一般工商业用电")
    for account in ("M1", "M2"):
        readings(crafted, POWER_USE, account, [0.0] * 12, MONTHS[-12:])
    readings(crafted, POWER_USE, "M3", [300.0] * 12, MONTHS[-12:])  # the household upstairs
    readings(crafted, POWER_USE, "M4", [900.0] * 12, MONTHS[-12:])  # a neighbour at the other address
    found = detect(crafted, "business_power_mismatch")
    assert found.findings["finding_key"].to_list() == ["O1|idle_meter"]
    meters = evidence_of(found, "O1|idle_meter").filter(pl.col("role") == "meter_account")
    assert sorted(meters["record_id"].to_list()) == sorted([at_seat, in_name])


def test_indicator_against_the_register_with_direction_and_history(crafted: Crafted) -> None:
    with duckdb.connect(str(crafted.path)) as con:
        for township, n in (("371503101", 100), ("371523102", 100)):  # the second under the historic code
            con.execute(f"""insert into staging.stg_gongan__household_register
                (row_id, source_file, source_line, delivery_date, is_current, division_code, status)
                select 'gongan__household_register:abcdefabcdef:' || i, 'gongan/2026-10-08/户籍人口.csv', i,
                       date '2026-10-08', true, '{township}001', '正常' from range(2, {n + 2}) t(i)""")
    over = crafted.add("lib_macro.indicator_fact", source="tongji__indicator", division_code="371503101",
                       division_level="township", indicator="户籍人口", period="2026年1-9月",
                       period_end=date(2026, 9, 30), unit="人", value=120, is_additive=True)
    crafted.add("lib_macro.indicator_fact", source="tongji__indicator", division_code="371503102",
                division_level="township", indicator="户籍人口", period="2026年1-9月", period_end=date(2026, 9, 30),
                unit="人", value=103, is_additive=True)
    found = detect(crafted, "indicator_against_sources")
    assert found.findings["entity_id"].to_list() == ["371503101"]
    measured = json.loads(found.findings["measured"][0])
    assert (measured["reported"], measured["computed"], measured["direction"]) == (120.0, 100, "高报")
    assert [h["period"] for h in measured["history"]] == ["2026年1-9月"]
    ev = found.evidence
    assert ev.filter(pl.col("role") == "reported")["record_id"].to_list() == [over]
    assert ev.filter(pl.col("role") == "administrative_count")["source_file"].to_list() == ["gongan/2026-10-08/户籍人口.csv"]


def test_benford_screen_flags_fabricated_amounts_not_natural_ones(crafted: Crafted) -> None:
    rng = np.random.default_rng(7)
    natural = np.round(10 ** rng.uniform(2, 6, 3000), 2)  # spans four orders of magnitude: Benford
    # invented amounts of every size whose first digits are equally likely (people's digits are)
    made_up = np.round(rng.uniform(1, 10, 3000) * 10.0 ** rng.integers(2, 6, 3000), 2)
    with duckdb.connect(str(crafted.path)) as con:
        for year, values in ((2025, natural), (2026, made_up)):
            frame = pl.DataFrame({"amount": values}).with_row_index("i", offset=2)
            con.register("v", frame)
            con.execute(f"""insert into staging.stg_shuiwu__monthly_tax
                (row_id, source_file, source_line, delivery_date, is_current, taxpayer_id, period_start, amount)
                select 'shuiwu__monthly_tax:{year}00000000:' || i, 'shuiwu/{year}.csv', i, date '{year}-06-01', true,
                       '91X', date '{year}-05-01', amount from v""")
            con.unregister("v")
    found = detect(crafted, "benford_screen")
    assert found.findings["finding_key"].to_list() == ["shuiwu__monthly_tax|amount|2026|benford"]
    ev = found.evidence
    assert 0 < ev.height <= 20 and set(ev["source_file"]) == {"shuiwu/2026.csv"}


def test_indicator_against_the_enterprise_register(crafted: Crafted) -> None:
    """The reported number of enterprises of a township against the legal-entity library's
    enterprises seated there that existed at the period's end: one founded after it, one
    deregistered before it, a shop (not an enterprise) and another township's do not count."""
    crafted.add(ENTERPRISE, file="shichang/2026-10-05/企业登记_20261005.csv", sha="eeeeeeeeeeee", uscc="91X",
                name="甲公司", status="存续", delivered=date(2026, 10, 5))
    orgs = [("371503101", date(2010, 1, 1), "存续", None)] * 80 + [
        ("371503101", date(2026, 12, 1), "存续", None),  # founded after the period
        ("371503101", date(2010, 1, 1), "注销", date(2026, 3, 1)),  # deregistered before its end
        ("371503102", date(2010, 1, 1), "存续", None),
    ]
    for i, (township, established, status, deregistered) in enumerate(orgs):
        crafted.add("lib_legal_entity.organization", source="shichang__enterprise", org_id=f"O{i}", org_kind="企业",
                    township_code=township, established=established, registration_status=status,
                    deregistered_date=deregistered)
    crafted.add("lib_legal_entity.organization", source="shichang__individual_business", org_id="S1",
                org_kind="个体工商户", township_code="371503101", established=date(2010, 1, 1),
                registration_status="存续")
    kept = crafted.add("lib_macro.indicator_fact", source="tongji__indicator", division_code="371503101",
                       division_level="township", indicator="企业法人单位数", period="2026年1-6月",
                       period_end=date(2026, 6, 30), unit="个", value=82, is_additive=True)  # within 5% of 80
    under = crafted.add("lib_macro.indicator_fact", source="tongji__indicator", division_code="371503101",
                        division_level="township", indicator="企业法人单位数", period="2026年1-9月",
                        period_end=date(2026, 9, 30), unit="个", value=66, is_additive=True)
    found = detect(crafted, "indicator_against_sources")
    assert found.findings["finding_key"].to_list() == ["371503101|企业法人单位数|2026年1-9月"]
    measured = json.loads(found.findings["measured"][0])
    assert (measured["reported"], measured["computed"], measured["direction"]) == (66.0, 80, "低报")
    assert measured["administrative_source"] == "shichang__enterprise"
    assert [h["period"] for h in measured["history"]] == ["2026年1-6月", "2026年1-9月"]
    ev = found.evidence
    assert ev.filter(pl.col("role") == "reported")["record_id"].to_list() == [under] != [kept]
    admin = ev.filter(pl.col("role") == "administrative_count").row(0, named=True)
    assert (admin["source"], admin["source_file"]) == ("shichang__enterprise", "shichang/2026-10-05/企业登记_20261005.csv")


def test_benford_screen_leaves_amounts_bunched_within_an_order_of_magnitude_alone(crafted: Crafted) -> None:
    """Amounts whose middle two-thirds lie within one order of magnitude (most customers' bills
    alike, a few large ones) are not Benford-distributed even though their extremes span several
    orders; natural as they are, they are not screened."""
    rng = np.random.default_rng(3)
    bunched = np.round(np.concatenate([10 ** rng.normal(3.4, 0.2, 2600), 10 ** rng.uniform(1, 6, 400)]), 2)
    with duckdb.connect(str(crafted.path)) as con:
        frame = pl.DataFrame({"amount": bunched}).with_row_index("i", offset=2)
        con.register("v", frame)
        con.execute("""insert into staging.stg_shuiwu__monthly_tax
            (row_id, source_file, source_line, delivery_date, is_current, taxpayer_id, period_start, amount)
            select 'shuiwu__monthly_tax:bbbbbbbbbbbb:' || i, 'shuiwu/2025.csv', i, date '2025-06-01', true,
                   '91X', date '2025-05-01', amount from v""")
        con.unregister("v")
    from pipelines.findings.rules.benford_screen import BENFORD, digit_tests

    counts = {d: 0 for d in BENFORD}
    for value in bunched:
        counts[int(f"{value:e}"[0])] += 1
    mad, _ = digit_tests(counts)
    assert mad > 0.015 and np.percentile(bunched, 99) / np.percentile(bunched, 1) > 100  # what the old screen flagged
    found = detect(crafted, "benford_screen")
    assert found.findings.is_empty() and found.note == "0 department-years screened"


def test_benford_tests_false_alarm_level() -> None:
    """The chi-square tail (8 degrees of freedom) at its textbook critical values, and the
    digit tests on counts exactly as Benford's law expects them."""
    from pipelines.findings.rules.benford_screen import BENFORD, binomial_sf, chi_square_sf_8, digit_tests

    assert abs(chi_square_sf_8(15.507) - 0.05) < 1e-4
    assert abs(chi_square_sf_8(20.090) - 0.01) < 1e-4
    assert chi_square_sf_8(0) == 1.0
    mad, p = digit_tests({d: round(100_000 * share) for d, share in BENFORD.items()})
    assert mad < 1e-5 and p > 0.99
    assert binomial_sf(10, 1000, 0.01) > 0.4 and binomial_sf(150, 1000, 0.01) < 1e-12


def test_indicator_against_the_insured_person_list(crafted: Crafted) -> None:
    """Reported insured persons (参保人数, counted where they are registered) of a township against
    the insured-person list snapshot nearest the period's end: ended insurances (终止), persons
    not registered in the county and persons the population library knows died before the
    snapshot do not count; an older snapshot's rows reach their person through the personal
    number. An over-report is a finding; a count 2% off (taken a few days off the period's end)
    is not."""
    insured = "staging.stg_renshe__insured_person"
    people = [("371503101", "参保缴费", None, True)] * 100 + [("371503103", "待遇领取", None, True)] * 100 + [
        ("371503101", "终止", None, True)] * 6 + [("371503101", "待遇领取", date(2026, 6, 1), True)] * 4 + [
        ("371503101", "参保缴费", None, False)] * 5
    with duckdb.connect(str(crafted.path)) as con:
        line = 1
        for delivered, current in ((date(2026, 7, 13), False), (date(2026, 10, 12), True)):
            for i, (township, status, died, registered) in enumerate(people, start=2):
                line += 1
                row_id = f"renshe__insured_person:{delivered:%Y%m%d}cccc:{line}"
                con.execute(f"""insert into {insured} (row_id, source_file, source_line, delivery_date, is_current,
                                personal_no, status) values (?, ?, ?, ?, ?, ?, ?)""",
                            [row_id, f"renshe/{delivered}/参保人员.csv", str(i), delivered, current, f"37{i:08d}",
                             status])
                if current:  # the resolution links the current list
                    con.execute("insert into er.person_xref values ('renshe__insured_person', ?, ?)",
                                [f"{row_id}#self", f"P{i}"])
                    con.execute("""insert into lib_population.person (person_id, township_code, death_date,
                                   is_registered_resident) values (?, ?, ?, ?)""", [f"P{i}", township, died, registered])
    over = crafted.add("lib_macro.indicator_fact", source="tongji__indicator", division_code="371503101",
                       division_level="township", indicator="参保人数", period="2026年1-6月",
                       period_end=date(2026, 6, 30), unit="人", value=125, is_additive=True)
    near = crafted.add("lib_macro.indicator_fact", source="tongji__indicator", division_code="371503103",
                       division_level="township", indicator="参保人数", period="2026年1-9月",
                       period_end=date(2026, 9, 30), unit="人", value=102, is_additive=True)
    found = detect(crafted, "indicator_against_sources")
    assert found.findings["finding_key"].to_list() == ["371503101|参保人数|2026年1-6月"]
    measured = json.loads(found.findings["measured"][0])
    assert (measured["reported"], measured["computed"], measured["direction"]) == (125.0, 100, "高报")
    assert measured["administrative_source"] == "renshe__insured_person"
    ev = found.evidence
    assert ev.filter(pl.col("role") == "reported")["record_id"].to_list() == [over] != [near]
    admin = ev.filter(pl.col("role") == "administrative_count").row(0, named=True)
    assert (admin["source"], admin["source_file"]) == ("renshe__insured_person", "renshe/2026-07-13/参保人员.csv")


def test_industrial_output_against_industrial_power_use(crafted: Crafted) -> None:
    """A township's reported industrial value added against its factories' power use: each
    report's output per kWh against the township's own median over its reports. A report 40% above
    is a finding; one 10% above (within what product mix moves) is not; a report whose months the
    power company has not all delivered (the year 2025), a residential meter and a meter of
    another township do not count."""
    crafted.add(ENTERPRISE, file="shichang/2026-10-05/企业登记.csv", org="E1", uscc="91A", name="甲机械有限公司",
                status="存续", address="茌平区振兴路1号")
    crafted.add(ENTERPRISE, file="shichang/2026-10-05/企业登记.csv", org="E2", uscc="91B", name="乙纺织有限公司",
                status="存续", address="茌平区文化路9号")
    for org, township in (("E1", "371503101"), ("E2", "371503102")):
        crafted.add("lib_legal_entity.organization", source="shichang__enterprise", org_id=org, org_kind="企业",
                    township_code=township, established=date(2010, 1, 1), registration_status="存续")
    accounts = "gongdian/2026-10-20/用电客户.csv"
    crafted.add("staging.stg_gongdian__account", file=accounts, account_no="G1", holder="甲机械", category="大工业用电",
                address="山东省聊城市茌平区振兴路1号")  # at the registered seat
    crafted.add("staging.stg_gongdian__account", file=accounts, account_no="G2", holder="乙纺织有限公司",
                category="大工业用电", address="-")  # held in the name
    crafted.add("staging.stg_gongdian__account", file=accounts, account_no="H1", holder="王某", category="居民生活用电",
                address="茌平区振兴路1号")
    for month in range(1, 10):
        use_file = f"gongdian/2026-{month + 1:02d}-04/月度电量_2026{month:02d}.csv"
        for account, kwh in (("G1", 100_000.0), ("G2", 50_000.0), ("H1", 300.0)):
            crafted.add("staging.stg_gongdian__consumption", file=use_file, sha=f"{month:012d}",
                        delivered=date(2026, month + 1, 4), account_no=account, month=f"2026{month:02d}", kwh=kwh)
    # 1.2 yuan of value added per kWh: 12 万元 per 100,000 kWh
    made_up = {7: 1.4, 8: 1.1}
    for end in range(4, 10):
        value = round(end * 12.0 * made_up.get(end, 1.0), 1)
        crafted.add("lib_macro.indicator_fact", source="tongji__indicator", division_code="371503101",
                    division_level="township", indicator="规模以上工业增加值", period=f"2026年1-{end}月",
                    period_end=date(2026, end + 1, 1) - timedelta(days=1), unit="万元", value=value, is_additive=True)
    crafted.add("lib_macro.indicator_fact", source="tongji__indicator", division_code="371503101",
                division_level="township", indicator="规模以上工业增加值", period="2025年",
                period_end=date(2025, 12, 31), unit="万元", value=999.0, is_additive=True)
    found = detect(crafted, "indicator_against_sources")
    assert found.findings["finding_key"].to_list() == ["371503101|规模以上工业增加值|2026年1-7月"]
    measured = json.loads(found.findings["measured"][0])
    assert measured["direction"] == "高报" and measured["administrative_source"] == "gongdian__consumption"
    assert measured["computed"] == 84.0 and round(measured["deviation"], 2) == 0.4
    assert [h["period"] for h in measured["history"]] == [f"2026年1-{m}月" for m in range(4, 10)]
    admin = evidence_of(found, "371503101|规模以上工业增加值|2026年1-7月").filter(
        pl.col("role") == "administrative_count").row(0, named=True)
    assert admin["source_file"] == "gongdian/2026-08-04/月度电量_202607.csv"


def test_industrial_output_needs_enough_reports_of_its_own(crafted: Crafted) -> None:
    """A township's usual output per kWh is the median of its own reports: with three comparable
    reports (fewer than the rule's four) there is no usual value to judge by, however far one
    report is from the others."""
    crafted.add(ENTERPRISE, org="E1", uscc="91A", name="甲机械有限公司", status="存续", address="茌平区振兴路1号")
    crafted.add("lib_legal_entity.organization", source="shichang__enterprise", org_id="E1", org_kind="企业",
                township_code="371503101", established=date(2010, 1, 1), registration_status="存续")
    crafted.add("staging.stg_gongdian__account", account_no="G1", holder="甲机械有限公司", category="大工业用电",
                address="-")
    for month in range(1, 4):
        crafted.add("staging.stg_gongdian__consumption", file=f"gongdian/2026{month:02d}.csv",
                    account_no="G1", month=f"2026{month:02d}", kwh=100_000.0)
    for end, value in ((1, 12.0), (2, 24.0), (3, 72.0)):  # the third is three times what power shows
        crafted.add("lib_macro.indicator_fact", source="tongji__indicator", division_code="371503101",
                    division_level="township", indicator="规模以上工业增加值", period=f"2026年1-{end}月",
                    period_end=date(2026, end + 1, 1) - timedelta(days=1), unit="万元", value=value, is_additive=True)
    assert detect(crafted, "indicator_against_sources").findings.is_empty()
