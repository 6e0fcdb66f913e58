"""A county generated in shards (as `city` is) keeps every property of one generated whole.

The tiny county is generated in three shards here (city uses shards of 500,000 residents; it is
never generated in a test). The checks of the other modules are imported and run again on it
(their fixtures are overridden below), then what sharding itself must keep: identifiers and serial
numbers unique across shards, the same bytes for the same seed, persons consistent across the
departments that see them from different shards.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import polars as pl
import pytest

from generator.reader import Parsed, landing_files, read
from generator.test_files import (  # noqa: F401 - collected again with this module's fixtures
    test_a_corrected_file_sorts_after_its_original,
    test_every_contract_delivers_files,
    test_every_file_parses_under_its_contract,
    test_file_names_match_their_patterns,
    test_folders_are_department_and_delivery_date_within_the_year,
    test_formats_as_departments_send_them,
    test_planted_rejections_do_not_parse,
    test_snapshots_follow_their_cycle,
)
from generator.test_mess import (  # noqa: F401
    test_credit_code_forms,
    test_date_spellings,
    test_defect_lines_exist,
    test_empty_required_values_are_logged,
    test_encodings_and_unencodable_characters,
    test_excel_scientific_notation,
    test_fullwidth_and_ideographic_spaces,
    test_header_drift,
    test_id_number_forms,
    test_missing_value_spellings,
    test_phone_spellings,
    test_rows_broken_by_a_comma,
    visible,
)
from generator.test_truth import (  # noqa: F401
    _header_of,
    test_authenticity_cases_of_every_kind,
    test_clean_codes_pass_their_checksums,
    test_events_never_after_the_as_of_date,
    test_every_person_record_carries_its_persons_id_number,
    test_future_dates_in_landing_are_logged_defects,
    test_every_planted_evidence_row_is_delivered,
    test_near_misses_hold_no_other_contradiction,
    test_planted_cases_of_every_rule_with_near_misses,
    test_planted_evidence_names_the_delivered_row,
    test_planted_indicator_cases_are_detectable,
    test_record_ids_point_at_delivered_rows,
    test_records_cover_every_party_source,
    test_snapshot_records_come_from_the_latest_delivery,
    test_truth_files_and_key_columns,
    test_twins_are_two_people_with_one_birth_date,
    test_zombie_systems_have_no_recent_access,
)
from pipelines.generator import GenerateSummary, generate
from pipelines.settings import load_settings

SHARD = 700  # residents per shard: the tiny county (2,000) in three shards


def _generate(base: Path) -> GenerateSummary:
    return generate(load_settings(landing=base / "landing", truth=base / "truth", scale="tiny"),
                    shard_residents=SHARD)


@pytest.fixture(scope="module")
def tiny_county(tmp_path_factory: pytest.TempPathFactory) -> GenerateSummary:
    return _generate(tmp_path_factory.mktemp("sharded"))


@pytest.fixture(scope="module")
def landing(tiny_county: GenerateSummary) -> Path:
    return tiny_county.landing


@pytest.fixture(scope="module")
def truth(tiny_county: GenerateSummary) -> Path:
    return tiny_county.truth


@pytest.fixture(scope="module")
def defects(truth: Path) -> pl.DataFrame:
    return pl.read_parquet(truth / "defects.parquet")


@pytest.fixture(scope="module")
def rejected(defects: pl.DataFrame) -> set[str]:
    return set(defects.filter(pl.col("expected") == "rejected")["file"].to_list())


@pytest.fixture(scope="module")
def parsed(landing: Path, rejected: set[str]) -> list[Parsed]:
    files = [p for p in landing_files(landing) if p.relative_to(landing).as_posix() not in rejected]
    return [read(landing, p) for p in files]


def test_the_county_was_generated_in_shards(tiny_county: GenerateSummary, truth: Path) -> None:
    """Three shards: person ids restart nowhere and households come in three blocks."""
    persons = pl.read_parquet(truth / "persons.parquet")
    households = pl.read_parquet(truth / "households.parquet")
    assert tiny_county.residents == persons["resident"].sum() > 3 * SHARD * 0.8
    # Each shard numbers its households' township serials in its own residue (1, 2, 3 mod 3).
    residues = households["household_no"].str.slice(3).cast(pl.Int64) % 3
    assert set(residues.unique().to_list()) == {0, 1, 2}


def test_identifiers_are_unique_across_shards(truth: Path) -> None:
    persons = pl.read_parquet(truth / "persons.parquet")
    households = pl.read_parquet(truth / "households.parquet")
    for frame, column in ((persons, "person_id"), (persons, "id_number"), (households, "household_id"),
                          (households, "household_no")):
        assert frame[column].n_unique() == frame.height, column
    assert (persons.join(households, on="household_id", how="anti")["resident"].sum()) == 0


def test_keys_are_unique_across_shards(parsed: list[Parsed], defects: pl.DataFrame) -> None:
    """Certificate, permit, account and other serial numbers continue from shard to shard: each
    source's key is unique in a snapshot file, and across all files of an incremental source
    (rows with a logged defect, such as a planted duplicate, aside)."""
    damaged = defects.filter(pl.col("line").is_not_null()).select("file", "line").unique()
    keys: dict[tuple[str, str], list[pl.DataFrame]] = {}
    for p in parsed:
        headers = [_header_of(p, name) for name in p.contract.key]
        if not headers or None in headers or p.path.with_name(p.path.name.replace(".", "_更正.")).exists():
            continue  # no key, or a file redelivered corrected (its correction repeats its rows)
        clean = p.rows.with_columns(file=pl.lit(p.relative)).join(
            damaged, left_on=["file", "_line"], right_on=["file", "line"], how="anti")
        frame = clean.select(key=pl.concat_str([pl.col(h).fill_null("") for h in headers], separator="|"))
        group = p.relative if p.contract.delivery_mode.value == "snapshot" else p.contract.source
        keys.setdefault((p.contract.source, group), []).append(frame)
    checked = set()
    for (source, _), frames in keys.items():
        both = pl.concat(frames)
        assert both["key"].n_unique() == both.height, source
        checked.add(source)
    assert {"weijian__birth_certificate", "minzheng__death_cremation", "gongan__residence_permit",
            "minzheng__address_register", "gongdian__account", "renshe__insured_person"} <= checked


def test_people_in_one_household_stay_together(truth: Path) -> None:
    """Spouses and twins are in the same shard as their household, so marriages, births and
    benefits of one family never straddle two shards."""
    persons = pl.read_parquet(truth / "persons.parquet")
    spouses = persons.filter(pl.col("spouse_id").is_not_null()).join(
        persons, left_on="spouse_id", right_on="person_id", suffix="_spouse")
    assert spouses.height and (spouses["household_id"] == spouses["household_id_spouse"]).all()
    assert (spouses["spouse_id_spouse"] == spouses["person_id"]).all()


def test_legal_representatives_come_from_every_shard(truth: Path) -> None:
    """Organisations are built once for the county: their representatives are persons of any
    shard, and the county-wide registers name them as the shards' own sources do."""
    persons = pl.read_parquet(truth / "persons.parquet").with_row_index("position")
    orgs = pl.read_parquet(truth / "orgs.parquet")
    reps = orgs.select(person_id=pl.col("legal_rep_id")).join(persons, on="person_id")
    assert reps.height == orgs.height
    thirds = (reps["position"] * 3 // persons.height).unique().to_list()
    assert sorted(thirds) == [0, 1, 2]
    records = pl.read_parquet(truth / "person_records.parquet")
    legal = records.filter(pl.col("role").is_in(["legal_rep", "operator"]))
    assert legal.join(persons, on="person_id", how="anti").height == 0
    # The same representatives appear in the household register built shard by shard.
    registered = records.filter(pl.col("source") == "gongan__household_register")["person_id"].unique()
    assert legal["person_id"].is_in(registered.implode()).mean() > 0.9


def test_same_seed_same_bytes_in_shards(tmp_path: Path, tiny_county: GenerateSummary) -> None:
    """Generated again in another interpreter with another hash seed: the same bytes."""
    import os
    import subprocess
    import sys

    code = (
        "import sys; from pathlib import Path; from pipelines.generator import generate; "
        "from pipelines.settings import load_settings; b = Path(sys.argv[1]); "
        "generate(load_settings(landing=b / 'landing', truth=b / 'truth', scale='tiny'), "
        f"shard_residents={SHARD})"
    )
    env = {**os.environ, "PYTHONHASHSEED": "977"}
    done = subprocess.run([sys.executable, "-c", code, str(tmp_path)], env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]
    first = {p.relative_to(tiny_county.landing): p.read_bytes() for p in landing_files(tiny_county.landing)}
    second = {p.relative_to(tmp_path / "landing"): p.read_bytes() for p in landing_files(tmp_path / "landing")}
    assert first.keys() == second.keys()
    assert [k for k in first if first[k] != second[k]] == []
    for name in ("persons", "households", "person_records", "org_records", "defects", "orgs",
                 "authenticity_cases", "systems"):
        assert (tiny_county.truth / f"{name}.parquet").read_bytes() == (tmp_path / "truth" / f"{name}.parquet").read_bytes(), name
    assert not list(tmp_path.glob(".generate-*")), "the scratch folder is removed"


def test_tiny_shards_are_refused(tmp_path: Path) -> None:
    from pipelines.errors import GovdataError

    settings = load_settings(landing=tmp_path / "l", truth=tmp_path / "t", scale="tiny")
    with pytest.raises(GovdataError, match="too small"):
        generate(settings, shard_residents=10)


def test_monthly_increments_follow_their_registers(parsed: list[Parsed]) -> None:
    """Each month's meter readings cover the account register once per account (every shard's
    accounts, numbered on from the shard before), and insured persons are paid under the
    personal numbers the insured-person list gives them."""
    def values(source: str, column: str) -> set[str]:
        return {v for p in parsed if p.contract.source == source
                for v in p.rows[_header_of(p, column)].drop_nulls().to_list()}

    for company in ("gongdian", "gongshui"):
        accounts = values(f"{company}__account", "account_no")
        months = [p for p in parsed if p.contract.source == f"{company}__consumption"]
        assert accounts and len(months) >= 10
        for p in months:
            readings = p.rows[_header_of(p, "account_no")]
            assert readings.n_unique() == readings.len() == len(accounts), p.relative
            assert set(readings.to_list()) == accounts, p.relative
    # Personal numbers from every insured-person row, including rows an unquoted comma broke
    # (the reader drops those; the number is their first field).
    insured = set()
    for p in parsed:
        if p.contract.source == "renshe__insured_person":
            assert p.headers[0] == _header_of(p, "personal_no")
            text = p.path.read_bytes().decode("utf-8-sig" if p.encoding == "utf-8-sig" else p.encoding)
            insured |= {row[0] for row in list(csv.reader(io.StringIO(text, newline="")))[1:]}
    paid = values("renshe__payments", "personal_no")
    assert paid and paid <= insured
