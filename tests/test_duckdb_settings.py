"""DuckDB's memory limit and spill folder come from the settings, on every connection the
project opens to the warehouse: the stages', the check workers' and dbt's."""

from __future__ import annotations

import os
from pathlib import Path

import duckdb
import pytest

from pipelines.settings import Settings, load_settings, memory_bytes
from pipelines.warehouse import connect, open_reader

QUERY = "select current_setting('memory_limit'), current_setting('temp_directory')"


@pytest.fixture
def limited(tmp_settings: Settings, tmp_path: Path) -> Settings:
    return tmp_settings.model_copy(
        update={"duckdb_memory_limit": "300MiB", "duckdb_temp_directory": tmp_path / "spill"}
    )


def test_every_warehouse_connection_gets_the_limit_and_the_spill_folder(limited: Settings, tmp_path: Path) -> None:
    with connect(limited) as con:
        assert con.execute(QUERY).fetchone() == ("300.0 MiB", str(tmp_path / "spill"))
    with connect(limited, read_only=True) as con:
        assert con.execute(QUERY).fetchone() == ("300.0 MiB", str(tmp_path / "spill"))
    with open_reader(str(limited.warehouse_path), limited) as con:
        assert con.execute(QUERY).fetchone() == ("300.0 MiB", str(tmp_path / "spill"))


def test_by_default_it_spills_beside_the_warehouse(tmp_settings: Settings) -> None:
    assert tmp_settings.duckdb_memory_limit == "8GB"
    with connect(tmp_settings) as con:
        limit, folder = con.execute(QUERY).fetchone()  # type: ignore[misc]
    assert limit == "7.4 GiB"  # 8 GB in DuckDB's binary units
    assert folder == str(tmp_settings.warehouse_path) + ".tmp"


def test_a_bad_limit_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    from pipelines.errors import SettingsError

    monkeypatch.setenv("GOVDATA_DUCKDB_MEMORY_LIMIT", "a lot")
    with pytest.raises(SettingsError, match="GOVDATA_DUCKDB_MEMORY_LIMIT"):
        load_settings()


def test_a_query_larger_than_the_limit_spills_instead_of_failing(tmp_settings: Settings, tmp_path: Path) -> None:
    small = tmp_settings.model_copy(
        update={"duckdb_memory_limit": "64MiB", "duckdb_temp_directory": tmp_path / "spill"}
    )
    with connect(small) as con:
        con.execute("set threads = 1")
        # a sort of ~250 MB of strings, four times the limit: done by spilling to the folder
        rows = con.execute(
            "select count(*) from (select i, repeat('x', 100) || i::varchar as s from range(2000000) t(i) "
            "order by s desc)"
        ).fetchone()
    assert rows == (2_000_000,)


def test_the_check_workers_connect_with_the_settings(limited: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    """A worker process's connection (here called in this process; the suite is not run)."""
    from pipelines.quality import runner

    with connect(limited):
        pass  # the warehouse exists
    seen: list[tuple[str, str]] = []
    monkeypatch.setattr(runner, "_warm_worker", lambda: None)
    monkeypatch.setattr(runner, "run_suite", lambda _runner, con, suite, chunk: seen.append(con.execute(QUERY).fetchone()))
    monkeypatch.setattr(runner, "_finished", lambda outcome, finishing: outcome)
    monkeypatch.setattr(runner, "_WORKER", {"runner": None})
    config = limited.duckdb_config()
    runner._validate_in_worker(str(limited.warehouse_path), None, 10, None, 1, config)  # type: ignore[arg-type]
    runner._WORKER["con"].close()
    # a spill folder of its own, beside the settings' one
    assert seen == [("300.0 MiB", f"{config['temp_directory']}.check-worker-{os.getpid()}")]


def test_the_check_workers_share_the_memory_limit(limited: Settings) -> None:
    """Each worker is a DuckDB instance of its own: the limit is shared out, not given to each."""
    from pipelines.quality.runner import worker_config

    config = limited.duckdb_config()
    assert worker_config(config, 1) == config
    shared = worker_config(config, 2)
    assert shared["temp_directory"] == config["temp_directory"]
    with duckdb.connect(config=shared) as con:
        assert con.execute("select current_setting('memory_limit')").fetchone() == ("150.0 MiB",)
    with duckdb.connect(config=worker_config({**config, "memory_limit": "8GB"}, 3)) as con:
        assert con.execute("select current_setting('memory_limit')").fetchone() == ("2.4 GiB",)


@pytest.mark.parametrize(("text", "size"), [
    ("8GB", 8 * 10**9), (" 512MiB ", 512 * 2**20), ("1.5 GB", 1_500_000_000), ("100 bytes", 100), ("2KiB", 2048),
])
def test_memory_sizes_in_duckdbs_units(text: str, size: int) -> None:
    assert memory_bytes(text) == size


def test_a_memory_size_without_a_unit_is_refused() -> None:
    from pipelines.errors import SettingsError

    with pytest.raises(SettingsError, match="not a memory size: '8'"):
        memory_bytes("8")


def _spill_in_worker(folder: str) -> tuple[int, bool]:
    """A sort four times the memory limit in a process of its own, spilling into its worker folder."""
    from pipelines.quality.runner import worker_spill_folder

    spill = worker_spill_folder(Path(folder))
    with duckdb.connect(config={"memory_limit": "64MiB", "temp_directory": str(spill), "threads": "1"}) as con:
        total = con.execute(
            "select count(distinct s) from (select repeat('x', 100) || i::varchar as s from range(2000000) t(i) "
            "order by s desc)"
        ).fetchone()[0]
        spilled = spill.exists()
    return total, spilled


def test_workers_spilling_at_once_do_not_share_a_folder(tmp_path: Path) -> None:
    """Two DuckDB processes spilling into one folder crash (segmentation fault); each worker's
    folder is its own, and both sorts finish."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    folder = tmp_path / "warehouse.duckdb.tmp"
    with ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("spawn")) as pool:
        results = list(pool.map(_spill_in_worker, [str(folder), str(folder)]))
    assert [total for total, _ in results] == [2_000_000, 2_000_000]
    assert all(spilled for _, spilled in results)
    assert list(tmp_path.iterdir()) == []  # each folder removed when its connection closed


def test_dbt_connects_with_the_settings(limited: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """dbt's own DuckDB connection (profiles.yml config_options) gets the same limit and folder."""
    from dbt.cli.main import dbtRunner

    from pipelines.dbt import DBT_PROJECT, _environment, _release_warehouse

    monkeypatch.setenv("GOVDATA_DBT_TARGET", str(tmp_path / "dbt_target"))
    with connect(limited):
        pass
    with _environment(limited):
        try:
            result = dbtRunner().invoke([
                "show", "--inline", QUERY, "--project-dir", str(DBT_PROJECT), "--profiles-dir", str(DBT_PROJECT),
                "--target-path", str(tmp_path / "dbt_target"), "--log-path", str(tmp_path / "dbt_logs"), "--quiet",
            ])
        finally:
            _release_warehouse()
    assert result.success, result.exception
    table = result.result.results[0].agate_table
    assert tuple(table.rows[0]) == ("300.0 MiB", str(tmp_path / "spill"))
