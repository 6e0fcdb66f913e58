"""dbt reuses its saved parse of the project whatever folder the warehouse file is in
(`pipelines.dbt._partial_parse_across_warehouses`): a copy of a warehouse, a benchmark or a
second run in another folder does not parse the whole project again, while anything a parse
can depend on (the database name among them) still makes dbt parse afresh; a saved parse is kept
per database name (`pipelines.dbt.saved_parse_of`)."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipelines.dbt import parse_relevant_connection_info, run_dbt
from pipelines.settings import Settings

REUSED = ("Nothing changed, skipping partial parsing", "Partial parsing enabled")
"""What dbt logs when it reuses its saved parse (as it is, or re-parsing only changed files)."""
FULL = "Unable to do partial parsing"


def _parse(settings: Settings, warehouse: Path, spill: Path) -> str:
    """Run `dbt parse` against `warehouse`; return what it logged about the saved parse."""
    log = settings.logs_path / "dbt" / "dbt.log"
    before = log.stat().st_size if log.exists() else 0
    run_dbt(settings.model_copy(update={"warehouse": warehouse, "duckdb_temp_directory": spill}), "parse")
    with log.open(encoding="utf-8", errors="replace") as handle:
        handle.seek(before)
        return handle.read()


def test_a_warehouse_in_another_folder_reuses_the_saved_parse(
    tmp_settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GOVDATA_DBT_TARGET", str(tmp_path / "dbt_target"))
    first = _parse(tmp_settings, tmp_path / "one" / "govdata.duckdb", tmp_path / "spill-one")
    assert FULL in first  # nothing saved yet

    moved = _parse(tmp_settings, tmp_path / "two" / "govdata.duckdb", tmp_path / "spill-two")
    assert any(message in moved for message in REUSED)
    assert FULL not in moved

    # another file name is another database name, which the models' relations carry
    renamed = _parse(tmp_settings, tmp_path / "two" / "county.duckdb", tmp_path / "spill-two")
    assert "profile has changed" in renamed


def test_the_parse_state_keeps_every_setting_but_the_location() -> None:
    from dbt.adapters.duckdb.credentials import DuckDBCredentials

    def credentials(path: str, **options: str) -> DuckDBCredentials:
        return DuckDBCredentials(
            database="govdata", schema="main", path=path,
            config_options={"checkpoint_threshold": "4GB", **options},
        )

    here = credentials("/a/govdata.duckdb", memory_limit="8GB", temp_directory="/a/govdata.duckdb.tmp")
    there = credentials("/b/govdata.duckdb", memory_limit="2GB", temp_directory="/b/spill")
    assert parse_relevant_connection_info(here) == parse_relevant_connection_info(there)

    info = dict(parse_relevant_connection_info(here))
    assert "path" not in info
    assert info["database"] == "govdata"
    assert info["config_options"] == {"checkpoint_threshold": "4GB"}

    other = credentials("/a/govdata.duckdb", checkpoint_threshold="16MB")
    assert parse_relevant_connection_info(other) != parse_relevant_connection_info(here)


def test_each_database_name_keeps_its_own_saved_parse(
    tmp_settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GOVDATA_DBT_TARGET", str(tmp_path / "dbt_target"))
    assert FULL in _parse(tmp_settings, tmp_path / "one" / "govdata.duckdb", tmp_path / "spill")
    # a run against another database name in the same target folder (a benchmark's second warehouse)
    assert FULL in _parse(tmp_settings, tmp_path / "one" / "airflow.duckdb", tmp_path / "spill")
    back = _parse(tmp_settings, tmp_path / "two" / "govdata.duckdb", tmp_path / "spill")
    assert any(message in back for message in REUSED)
    assert FULL not in back
