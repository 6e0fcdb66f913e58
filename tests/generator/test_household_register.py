"""The household register lands as the public security bureau delivers it, with matching truth."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

import polars as pl
from stdnum.cn import ric

from pipelines.contracts import get_contract, match_contract
from pipelines.generator import GenerateSummary


def _register_files(landing: Path) -> list[Path]:
    return sorted((landing / "gongan").glob("*/户籍人口_*.csv"))


def test_quarterly_snapshots_within_the_year(landing: Path, tiny_county: GenerateSummary) -> None:
    files = _register_files(landing)
    assert len(files) == 4
    for path in files:
        assert match_contract("gongan", path.name) == get_contract("gongan__household_register")
        assert path.parent.name[:4] in {"2025", "2026"}
        assert path.parent.name <= tiny_county.as_of


def test_register_parses_under_its_contract(landing: Path) -> None:
    contract = get_contract("gongan__household_register")
    for path in _register_files(landing):
        text = path.read_bytes().decode(contract.encoding)
        frame = pl.read_csv(io.StringIO(text), infer_schema=False)
        mapped = [contract.column_for_header(h) for h in frame.columns]
        assert all(c is not None for c in mapped), frame.columns
        assert {c.name for c in contract.required_columns} <= {c.name for c in mapped if c}


def test_record_ids_follow_the_written_bytes(landing: Path, truth: Path) -> None:
    """record_id = source:sha12:line#role, with line 2 for the first data row of a CSV."""
    records = pl.read_parquet(truth / "person_records.parquet")
    latest = _register_files(landing)[-1]
    sha12 = hashlib.sha256(latest.read_bytes()).hexdigest()[:12]
    mine = records.filter(pl.col("record_id").str.contains(sha12, literal=True))
    persons = pl.read_parquet(truth / "persons.parquet")
    text = latest.read_bytes().decode("gb18030")
    rows = pl.read_csv(io.StringIO(text), infer_schema=False)
    assert mine.height == rows.height
    first = mine.filter(pl.col("record_id") == f"gongan__household_register:{sha12}:2#self")
    person = persons.filter(pl.col("person_id") == first["person_id"][0])
    assert person["name"][0] == rows["姓名"][0]


def test_clean_id_numbers_pass_the_checksum(truth: Path) -> None:
    persons = pl.read_parquet(truth / "persons.parquet")
    assert persons["id_number"].n_unique() == persons.height
    assert all(ric.calc_check_digit(x) == x[17] for x in persons["id_number"])
