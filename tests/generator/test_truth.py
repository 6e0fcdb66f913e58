"""The truth the generator writes: key columns, record ids on real rows, clean codes, events."""

from __future__ import annotations

import re
from collections import Counter
from datetime import date, timedelta
from pathlib import Path

import polars as pl

from generator.reader import Parsed
from pipelines.generator import GenerateSummary
from pipelines.standards import is_valid_credit_code, is_valid_elicense_id, is_valid_id_number

TRUTH = {
    "persons": {"person_id"},
    "households": {"household_id"},
    "orgs": {"org_id"},
    "person_records": {"source", "record_id", "person_id"},
    "org_records": {"source", "record_id", "org_id"},
    "defects": {"file", "line", "column", "kind", "dimension", "expected"},
    "authenticity_cases": {"case_id", "kind", "entity_id", "expected"},
    "systems": {"system_code", "is_zombie", "shadow_of"},
}


def test_truth_files_and_key_columns(truth: Path) -> None:
    for name, keys in TRUTH.items():
        frame = pl.read_parquet(truth / f"{name}.parquet")
        assert keys <= set(frame.columns), name
        assert frame.height > 0, name


def test_clean_codes_pass_their_checksums(truth: Path, tiny_county: GenerateSummary) -> None:
    as_of = date.fromisoformat(tiny_county.as_of)
    persons = pl.read_parquet(truth / "persons.parquet")
    assert persons["id_number"].n_unique() == persons.height
    assert all(is_valid_id_number(x, as_of) for x in persons["id_number"])
    orgs = pl.read_parquet(truth / "orgs.parquet")
    assert orgs["uscc"].n_unique() == orgs.height
    assert all(is_valid_credit_code(x) for x in orgs["uscc"])
    # Codes from before the 2019 change keep the old county code.
    assert orgs["uscc"].str.slice(2, 6).is_in(["371523"]).any()
    assert persons["id_number"].str.slice(0, 6).is_in(["372524"]).any()


def test_licence_identifiers_carry_a_valid_check_character(parsed: list[Parsed]) -> None:
    ids = [v for p in parsed if p.contract.department == "dzzz" for v in p.rows["证照标识"].to_list()]
    assert ids and all(is_valid_elicense_id(x) for x in ids)


def test_record_ids_point_at_delivered_rows(truth: Path, parsed: list[Parsed]) -> None:
    """record_id = source:sha12:line#role on a row of the current delivery of its source."""
    import hashlib

    row_ids = set()
    for p in parsed:
        sha = hashlib.sha256(p.path.read_bytes()).hexdigest()[:12]
        row_ids.update(f"{p.contract.source}:{sha}:{line}" for line in p.rows["_line"].to_list())
    for name in ("person_records", "org_records"):
        records = pl.read_parquet(truth / f"{name}.parquet")
        assert records["record_id"].n_unique() == records.height
        heads = records["record_id"].str.replace("#[a-z_]+$", "")
        assert set(heads.to_list()) <= row_ids, name
        assert (records["source"] == records["record_id"].str.extract("^([a-z_]+__[a-z_]+):", 1)).all()


def test_records_cover_every_party_source(truth: Path) -> None:
    from pipelines.contracts import all_contracts

    people = set(pl.read_parquet(truth / "person_records.parquet")["source"].unique())
    orgs = set(pl.read_parquet(truth / "org_records.parquet")["source"].unique())
    for contract in all_contracts():
        kinds = {p.kind for p in contract.parties}
        if "person" in kinds:
            assert contract.source in people, contract.source
        if "org" in kinds:
            assert contract.source in orgs, contract.source


def test_snapshot_records_come_from_the_latest_delivery(truth: Path, landing: Path) -> None:
    import hashlib

    records = pl.read_parquet(truth / "person_records.parquet").filter(
        pl.col("source") == "gongan__household_register")
    latest = sorted(landing.glob("gongan/*/户籍人口_*.csv"))[-1]
    sha = hashlib.sha256(latest.read_bytes()).hexdigest()[:12]
    assert records["record_id"].str.contains(sha, literal=True).all()


def test_twins_are_two_people_with_one_birth_date(truth: Path) -> None:
    persons = pl.read_parquet(truth / "persons.parquet")
    twins = persons.filter(pl.col("twin_of").is_not_null()).join(
        persons, left_on="twin_of", right_on="person_id", suffix="_sib")
    assert twins.height > 0
    assert (twins["birth_date"] == twins["birth_date_sib"]).all()
    assert (twins["household_id"] == twins["household_id_sib"]).all()
    assert (twins["name"] != twins["name_sib"]).all()


def test_events_never_after_the_as_of_date(truth: Path, tiny_county: GenerateSummary) -> None:
    as_of = date.fromisoformat(tiny_county.as_of)
    persons = pl.read_parquet(truth / "persons.parquet")
    for column in ("birth_date", "registered_date", "death_date", "moved_out_date", "marriage_date"):
        assert (persons[column].drop_nulls() <= as_of).all(), column
    orgs = pl.read_parquet(truth / "orgs.parquet")
    for column in ("established", "deregistered_date", "renamed_date", "legal_rep_changed_date"):
        assert (orgs[column].drop_nulls() <= as_of).all(), column


def test_future_dates_in_landing_are_logged_defects(parsed: list[Parsed], defects: pl.DataFrame,
                                                    tiny_county: GenerateSummary) -> None:
    """An event date after the as-of date appears only where a future_date defect says so."""
    from generator.reader import by_type
    from pipelines.standards import parse_date

    as_of = date.fromisoformat(tiny_county.as_of)
    logged = set(defects.filter(pl.col("kind") == "future_date").select("file", "line").iter_rows())
    found = set()
    for p in parsed:
        for h in by_type(p, "date"):
            if h in ("有效期至", "有效期截止日期", "处罚有效期", "公示截止期", "有效期自", "有效期起始日期"):
                continue
            for value, line in p.rows.select(h, "_line").iter_rows():
                parsed_date = parse_date(value) if value else None
                if parsed_date is not None and parsed_date > as_of:
                    found.add((p.relative, line))
    assert found == logged


def test_authenticity_cases_of_every_kind(truth: Path) -> None:
    cases = pl.read_parquet(truth / "authenticity_cases.parquet")
    assert set(cases["kind"]) >= {"benefit_after_death", "indicator_sum_mismatch", "indicator_contradicts_source",
                                  "licence_after_deregistration", "zombie_system", "shadow_system"}
    assert set(cases["expected"]) <= {"flagged", "not_flagged"}


def test_planted_cases_of_every_rule_with_near_misses(truth: Path) -> None:
    cases = pl.read_parquet(truth / "authenticity_cases.parquet")
    assert set(cases["expected"]) == {"flagged", "not_flagged"}
    rules = cases.filter(pl.col("rule").is_not_null())
    assert set(rules.filter(pl.col("expected") == "flagged")["rule"]) >= {
        "benefits_after_death", "dead_still_acting", "licence_after_deregistration", "allowance_eligibility",
        "registered_not_living", "business_power_mismatch", "indicator_sum_mismatch", "indicator_against_sources"}
    assert set(rules.filter(pl.col("expected") == "not_flagged")["rule"]) >= {
        "dead_still_acting", "licence_after_deregistration", "registered_not_living", "indicator_sum_mismatch",
        "indicator_against_sources", "benefits_after_death"}


def test_planted_evidence_names_the_delivered_row(truth: Path, parsed: list[Parsed]) -> None:
    """Each planted case's evidence row is the row of its file and line that holds the case: the
    property registered after a death names the dead person's ID number."""
    cases = pl.read_parquet(truth / "authenticity_cases.parquet").filter(
        (pl.col("kind") == "dead_still_acting") & (pl.col("expected") == "flagged"))
    persons = dict(pl.read_parquet(truth / "persons.parquet", columns=["person_id", "id_number"]).iter_rows())
    files = {p.relative: p.rows for p in parsed}
    assert cases.height
    for case in cases.iter_rows(named=True):
        (evidence,) = case["evidence"]
        rows = files[evidence["file"]]
        row = rows.filter(pl.col("_line") == evidence["line"]).row(0, named=True)
        assert row["权利人证件号码"] == persons[case["entity_id"]]


def test_every_planted_evidence_row_is_delivered(truth: Path, parsed: list[Parsed]) -> None:
    """Every evidence row of a planted case (generator-planted, with file and line) is a row of a
    delivered file, in a whole run and a sharded one alike."""
    cases = pl.read_parquet(truth / "authenticity_cases.parquet").explode("evidence").drop_nulls("evidence")
    lines = {(p.relative, line) for p in parsed for line in p.rows["_line"].to_list()}
    rows = cases.select(pl.col("evidence").struct.field("file"), pl.col("evidence").struct.field("line"))
    assert rows.height
    missing = [r for r in rows.iter_rows() if r not in lines]
    assert not missing, missing[:5]


def test_near_misses_hold_no_other_contradiction(truth: Path, parsed: list[Parsed]) -> None:
    """A near-miss is about its own rows only: an organisation whose licence ended the week it was
    deregistered holds no other licence; a subsistence household with one modest flat owns no
    other registered property (either would make it a real contradiction, not a near-miss)."""
    cases = pl.read_parquet(truth / "authenticity_cases.parquet").filter(pl.col("expected") == "not_flagged")
    orgs = dict(pl.read_parquet(truth / "orgs.parquet", columns=["org_id", "uscc"]).iter_rows())
    persons = pl.read_parquet(truth / "persons.parquet", columns=["person_id", "household_id", "id_number"])
    evidence = {(e["file"], e["line"]) for ev in cases["evidence"].to_list() for e in ev}
    licences = cases.filter(pl.col("rule") == "licence_after_deregistration")["entity_id"].to_list()
    households = persons.filter(pl.col("person_id").is_in(
        cases.filter(pl.col("rule") == "allowance_eligibility")["entity_id"].implode()))["household_id"]
    members = set(persons.filter(pl.col("household_id").is_in(households.implode()))["id_number"].to_list())
    assert licences and members
    codes = {orgs[o] for o in licences}
    for p in parsed:
        columns = {"shenpi__licence": ["uscc"], "dzzz__org_licence": ["holder_code"],
                   "zhujian__property_registration": ["owner_id", "co_owner_id"]}.get(p.contract.source, [])
        watched = codes if p.contract.source != "zhujian__property_registration" else members
        for column in columns:
            header = _header_of(p, column)
            if header is None:
                continue
            for value, line in p.rows.select(header, "_line").iter_rows():
                assert value not in watched or (p.relative, line) in evidence, (p.relative, line, value)


def test_zombie_systems_have_no_recent_access(truth: Path, parsed: list[Parsed], tiny_county: GenerateSummary) -> None:
    """Planted zombies look as the issue describes them in the delivered logs, and every shadow
    holds its original's data (spelled as its own department does)."""
    from datetime import datetime, timedelta

    systems = pl.read_parquet(truth / "systems.parquet")
    window = (datetime.fromisoformat(tiny_county.as_of) - timedelta(days=180)).strftime("%Y-%m-%d")
    logs = pl.concat([p.rows for p in parsed if p.contract.source == "dashuju__access_log"])
    recent = logs.filter(pl.col("访问时间").str.slice(0, 10) > window)
    business = set(recent.filter(pl.col("操作类型").is_in(["查询", "导出", "修改"]))["系统编号"])
    kinds = systems.filter(pl.col("is_zombie")).group_by("zombie_kind").agg("system_code")
    codes = {kind: set(group) for kind, group in kinds.iter_rows()}
    assert set(codes) == {"idle", "login_only", "replaced"}
    assert codes["idle"] and not (codes["idle"] & business)
    for code in codes["login_only"]:
        actions = recent.filter(pl.col("系统编号") == code)["操作类型"]
        assert actions.len() > 0 and (actions == "登录").mean() >= 0.9, code
    owners = dict(systems.select("system_code", "owner").iter_rows())
    replaced = systems.filter(pl.col("zombie_kind") == "replaced")
    assert all(owners[new] == owner for new, owner in replaced.select("replaced_by", "owner").iter_rows())
    resources = dict(systems.select("system_code", "data_resources").iter_rows())
    shadows = systems.filter(pl.col("shadow_of").is_not_null())
    assert shadows.height >= 3
    for code, original in shadows.select("system_code", "shadow_of").iter_rows():
        mine = {r.replace("数据", "信息") for r in resources[code].split("；")}
        theirs = {r.replace("数据", "信息") for r in resources[original].split("；")}
        assert theirs <= mine, (code, original)


def _header_of(p: Parsed, name: str) -> str | None:
    """The delivered header of contract column `name` in a file (None if not delivered)."""
    return next((h for h in p.headers if (c := p.contract.column_for_header(h)) is not None and c.name == name), None)


def test_every_person_record_carries_its_persons_id_number(truth: Path, parsed: list[Parsed],
                                                          defects: pl.DataFrame) -> None:
    """Wherever a record's ID-number cell is delivered undamaged, it is the ID number of the
    person the truth says the record is: the same person is the same person in every department
    (legal representatives of organisations included)."""
    import hashlib

    persons = pl.read_parquet(truth / "persons.parquet").select("person_id", "id_number")
    records = pl.read_parquet(truth / "person_records.parquet").with_columns(
        row=pl.col("record_id").str.replace("#[a-z_]+$", ""))
    damaged = defects.filter(pl.col("line").is_not_null()).select("file", "line", "column").unique()
    checked = 0
    for p in parsed:
        sha = hashlib.sha256(p.path.read_bytes()).hexdigest()[:12]
        for party in p.contract.parties:
            header = _header_of(p, party.fields.get("id_number", "")) if party.kind == "person" else None
            if header is None:
                continue
            cells = p.rows.select(
                row=pl.lit(f"{p.contract.source}:{sha}:") + pl.col("_line"), line=pl.col("_line"),
                delivered=pl.col(header)).filter(pl.col("delivered").is_not_null())
            cells = cells.join(damaged.filter(pl.col("file") == p.relative, pl.col("column") == header),
                               on="line", how="anti")
            mine = records.filter(pl.col("role") == party.role).join(cells, on="row").join(persons, on="person_id")
            wrong = mine.filter(pl.col("delivered") != pl.col("id_number"))
            assert wrong.height == 0, (p.relative, party.role, wrong.head(3).to_dicts())
            checked += mine.height
    assert checked > 1000


def _number(value: str | None) -> float | None:
    return float(value) if value is not None else None


def test_planted_indicator_cases_are_detectable(parsed: list[Parsed], defects: pl.DataFrame,
                                                tiny_county: GenerateSummary, truth: Path) -> None:
    """Every planted `indicator_inconsistent` cell contradicts what it is checked against: a
    county total off the sum of its townships by more than rounding explains, a township's registered
    population off the household register's count (status 正常, snapshot delivered last before
    the indicators) by more than 5%, or its number of enterprises off the enterprises registered
    there at the period's end by more than 5%, or its insured persons off the insured-person
    list's (the snapshot delivered last before the indicators, not ended, placed by the truth's
    township of the person) by more than 10%. Totals not planted add up, and enterprise counts
    not planted are the register's or, for a near-miss, within 5% of it. The bureau reports
    monthly: twelve reports, each with two totals, two townships' population, one township's
    enterprises and one township's insured persons planted."""
    from pipelines.settings import load_settings

    codes = load_settings().county.all_codes
    current = load_settings().county.code
    planted = set(defects.filter(pl.col("kind") == "indicator_inconsistent").select("file", "line").iter_rows())
    registers = sorted((p for p in parsed if p.contract.source == "gongan__household_register"),
                       key=lambda p: p.relative)
    counts = {}
    for p in registers:
        division, status = _header_of(p, "division_code"), _header_of(p, "status")
        assert division and status
        counts[p.relative.split("/")[1]] = dict(p.rows.filter(pl.col(status) == "正常").group_by(
            township=pl.col(division).str.slice(6, 3)).len().iter_rows())
    township_of = dict(pl.read_parquet(truth / "persons.parquet").select("id_number", "township_code").iter_rows())
    insured_counts = {}
    for p in (p for p in parsed if p.contract.source == "renshe__insured_person"):
        status, id_number = _header_of(p, "status"), _header_of(p, "id_number")
        active = p.rows.filter(pl.col(status) != "终止")[id_number].to_list()
        insured_counts[p.relative.split("/")[1]] = Counter(
            township_of[i][6:9] for i in active if township_of.get(i) is not None)
    cases = pl.read_parquet(truth / "authenticity_cases.parquet")
    near = set(cases.filter((pl.col("kind") == "indicator_contradicts_source") & (pl.col("expected") == "not_flagged"))
               ["entity_id"].to_list())
    power_cases = set(cases.filter((pl.col("kind") == "indicator_contradicts_source") & (pl.col("expected") == "flagged")
                                   & pl.col("entity_id").str.contains("|规模以上工业增加值|", literal=True))["entity_id"])
    indicator_files = [p for p in parsed if p.contract.source == "tongji__indicator"]
    assert len(indicator_files) == 12 and len(planted) == 12 * 6 + len(power_cases)
    # the planter's townships inflated after the total was added up: their totals are off too
    inflated = pl.read_parquet(truth / "authenticity_cases.parquet").filter(
        (pl.col("rule") == "indicator_sum_mismatch") & (pl.col("expected") == "flagged")).explode("evidence").drop_nulls(
        "evidence").filter(pl.col("evidence").struct.field("role") == "county_total")
    planted |= {(e["file"], e["line"]) for e in inflated["evidence"].to_list()}
    orgs = pl.read_parquet(truth / "orgs.parquet").filter(pl.col("category") == "enterprise")
    found = set()
    for p in indicator_files:
        rows = p.rows.select(
            code=pl.col(_header_of(p, "division_code")), indicator=pl.col(_header_of(p, "indicator")),
            unit=pl.col(_header_of(p, "unit")), value=pl.col(_header_of(p, "value")).cast(pl.Float64),
            line=pl.col("_line"))
        assert rows["code"].str.slice(0, 6).is_in(codes).all()
        towns = rows.filter(pl.col("code").str.len_chars() == 9)
        delivered = p.relative.split("/")[1]
        snapshot = max((d for d in counts if d <= delivered), default=min(counts))
        for code, indicator, unit, value, line in rows.filter(pl.col("code").str.len_chars() == 6).iter_rows():
            if unit not in ("人", "万元"):
                continue
            township_values = towns.filter(pl.col("indicator") == indicator)["value"]
            parts = township_values.sum()
            # beyond what rounding each value to its last digit can explain
            step = 1.0 if unit == "人" else 0.1
            off = abs(value - parts) > (township_values.len() + 1) * step / 2 + 1e-6
            assert off == ((p.relative, line) in planted), (p.relative, indicator, value, parts)
            found |= {(p.relative, line)} if off else set()
        for code, indicator, unit, value, line in towns.filter(pl.col("indicator") == "户籍人口").iter_rows():
            counted = counts[snapshot].get(code[6:], 0)
            if (p.relative, line) in planted:
                assert abs(value / counted - 1) > 0.05, (p.relative, code, value, counted)
                found.add((p.relative, line))
        period = p.rows[_header_of(p, "period")][0]
        year = int(period[:4])
        months = re.search(r"(\d+)月$", period)
        end = date(year, 12, 31) if months is None else (
            date(year + (int(months[1]) == 12), int(months[1]) % 12 + 1, 1) - timedelta(days=1))
        existing = orgs.filter((pl.col("established") <= end)
                               & (pl.col("deregistered_date").is_null() | (pl.col("deregistered_date") > end)))
        registered = dict(existing.group_by(pl.col("township_code").str.slice(6, 3)).len().iter_rows())
        for code, indicator, unit, value, line in towns.filter(pl.col("indicator") == "企业法人单位数").iter_rows():
            counted = registered.get(code[6:], 0)
            if (p.relative, line) in planted:
                assert abs(value / counted - 1) > 0.05, (p.relative, code, value, counted)
                found.add((p.relative, line))
            elif f"{current}{code[6:]}|{indicator}|{period}" in near:
                assert value != counted and abs(value / counted - 1) < 0.05, (p.relative, code, value, counted)
            else:
                assert value == counted, (p.relative, code, value, counted)
        for code, indicator, unit, value, line in towns.filter(pl.col("indicator") == "规模以上工业增加值").iter_rows():
            if (p.relative, line) in planted:
                assert f"{current}{code[6:]}|{indicator}|{period}" in power_cases, (p.relative, code)
                found.add((p.relative, line))
        insured_snapshot = max((d for d in insured_counts if d <= delivered), default=min(insured_counts))
        for code, indicator, unit, value, line in towns.filter(pl.col("indicator") == "参保人数").iter_rows():
            if (p.relative, line) in planted:
                counted = insured_counts[insured_snapshot].get(code[6:], 0)
                assert abs(value / counted - 1) > 0.1, (p.relative, code, value, counted)
                found.add((p.relative, line))
    assert found == planted and current in codes


def test_credit_codes_are_unique_even_when_drawn_twice() -> None:
    """A city's hundreds of thousands of random code bodies repeat a few; the repeats are drawn
    again. Here one random character is left, so most of the 20 codes are drawn at least twice."""
    import numpy as np

    from pipelines.generator._orgs import credit_codes

    n = 20
    codes = credit_codes(np.random.default_rng(1), np.full(n, "91"), np.full(n, "371503"),
                         np.full(n, "MA12345", dtype=object))
    assert len(set(codes.tolist())) == n
    assert all(is_valid_credit_code(str(x)) for x in codes)
