"""Every delivered file lands where and how its contract says, and parses back under it."""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path

import polars as pl

from pipelines.contracts import DeliveryMode, all_contracts
from pipelines.generator import GenerateSummary
from generator.reader import Parsed, contract_of, landing_files

DEPARTMENTS = {"gongan", "minzheng", "renshe", "weijian", "jiaoyu", "shichang", "shuiwu", "tongji", "fagai",
               "ziranziyuan", "zhujian", "shenpi", "zhifa", "xinyong", "dzzz", "gongdian", "gongshui", "dashuju"}


def test_every_contract_delivers_files(landing: Path) -> None:
    delivered = {contract_of(landing, p).source for p in landing_files(landing)}
    assert delivered == {c.source for c in all_contracts()}
    assert {c.department for c in all_contracts()} == DEPARTMENTS


def test_folders_are_department_and_delivery_date_within_the_year(landing: Path, tiny_county: GenerateSummary) -> None:
    as_of = date.fromisoformat(tiny_county.as_of)
    for path in landing_files(landing):
        department, folder, name = path.relative_to(landing).parts
        day = date.fromisoformat(folder)
        assert as_of - timedelta(days=365) < day <= as_of, path
        assert contract_of(landing, path).department == department


def test_snapshots_follow_their_cycle(landing: Path) -> None:
    """Quarterly snapshot sources deliver four full extracts in the year, yearly ones one."""
    counts: dict[str, int] = {}
    for path in landing_files(landing):
        source = contract_of(landing, path).source
        counts[source] = counts.get(source, 0) + 1
    for contract in all_contracts():
        if contract.delivery_mode is DeliveryMode.SNAPSHOT:
            expected = 4 if contract.update_cycle.value == "quarterly" else 1
            assert counts[contract.source] == expected, contract.source
        else:
            assert counts[contract.source] >= 1, contract.source


def test_every_file_parses_under_its_contract(parsed: list[Parsed], rejected: set[str]) -> None:
    assert rejected, "at least one file is planted to be rejected"
    for p in parsed:
        mapped = {p.contract.column_for_header(h) for h in p.headers} - {None}
        names = {c.name for c in mapped if c is not None}
        required = {c.name for c in p.contract.required_columns}
        assert required <= names, f"{p.relative}: required columns missing"
        assert p.rows.height > 0 or p.contract.delivery_mode.value == "incremental", p.relative
        unknown = [h for h in p.headers if p.contract.column_for_header(h) is None]
        assert len(unknown) <= 1, f"{p.relative}: unknown headers {unknown}"


def test_planted_rejections_do_not_parse(landing: Path, rejected: set[str]) -> None:
    from openpyxl import load_workbook

    for relative in rejected:
        path = landing / relative
        if path.suffix == ".xlsx":
            try:
                load_workbook(path, read_only=True)
            except Exception:  # noqa: BLE001 - any failure to open is the point
                continue
            raise AssertionError(f"{relative} opens although planted as rejected")


def test_formats_as_departments_send_them(parsed: list[Parsed], landing: Path) -> None:
    encodings = {p.encoding for p in parsed if p.contract.format == "csv"}
    assert {"utf-8", "utf-8-sig", "gbk", "gb18030"} <= encodings
    formats = {p.contract.format for p in parsed}
    assert formats == {"csv", "xlsx", "json", "jsonl", "geojson"}
    # Some workbooks have a title row above the header, merged across it, and several sheets.
    from openpyxl import load_workbook

    titled = multi = 0
    for p in parsed:
        if p.contract.format != "xlsx":
            continue
        wb = load_workbook(p.path)
        multi += len(wb.sheetnames) > 1
        ws = wb.worksheets[0]
        titled += bool(ws.merged_cells.ranges) and ws.cell(1, 2).value is None
    assert titled > 0 and multi > 0


def test_a_corrected_file_sorts_after_its_original(landing: Path) -> None:
    corrected = [p for p in landing_files(landing) if "_更正" in p.name]
    assert corrected
    for path in corrected:
        original = path.with_name(path.name.replace("_更正", ""))
        assert original.exists() and sorted([original.name, path.name])[-1] == path.name


def test_file_names_match_their_patterns(landing: Path) -> None:
    for path in landing_files(landing):
        contract = contract_of(landing, path)
        assert re.search(contract.file_pattern, path.name)


def test_same_seed_same_bytes(tmp_path: Path, tiny_county: GenerateSummary) -> None:
    """A second run with the same seed, in another interpreter with another hash seed (so set
    and dict iteration order cannot leak in), writes byte-identical files and equal truth."""
    import os
    import subprocess
    import sys

    code = (
        "import sys; from pathlib import Path; from pipelines.generator import generate; "
        "from pipelines.settings import load_settings; b = Path(sys.argv[1]); "
        "generate(load_settings(landing=b / 'landing', truth=b / 'truth', scale='tiny'))"
    )
    env = {**os.environ, "PYTHONHASHSEED": "4242"}
    done = subprocess.run([sys.executable, "-c", code, str(tmp_path)], env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]
    again = tmp_path / "landing"
    first = {p.relative_to(tiny_county.landing): p.read_bytes() for p in landing_files(tiny_county.landing)}
    second = {p.relative_to(again): p.read_bytes() for p in landing_files(again)}
    assert first.keys() == second.keys()
    assert [k for k in first if first[k] != second[k]] == []
    for name in ("persons", "person_records", "defects", "orgs", "org_records", "authenticity_cases", "systems"):
        a = pl.read_parquet(tiny_county.truth / f"{name}.parquet")
        b = pl.read_parquet(tmp_path / "truth" / f"{name}.parquet")
        assert a.equals(b), name


def test_another_seed_other_bytes(tmp_path: Path, tiny_county: GenerateSummary) -> None:
    from pipelines.generator import generate
    from pipelines.settings import load_settings

    other = generate(load_settings(landing=tmp_path / "l", truth=tmp_path / "t", scale="tiny"), seed=7)
    register = sorted(other.landing.glob("gongan/*/户籍人口_*.csv"))[-1]
    mine = tiny_county.landing / register.relative_to(other.landing)
    assert register.read_bytes() != mine.read_bytes()

