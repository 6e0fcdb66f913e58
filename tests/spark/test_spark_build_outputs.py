"""What a second Spark build clears before building (no Java needed: the lake's folders only).

dbt-spark refuses to create a contracted model's table over a folder that still holds an
earlier build's files, so `clear_build_outputs` removes exactly what the build writes: the
libraries, the open datasets and the seeds' reference tables, and the intermediate models that
are tables in `staging`; never the staging models and record tables the stage wrote, nor the
crosswalks the resolver wrote.
"""

from __future__ import annotations

from pathlib import Path

from pipelines.settings import load_settings
from pipelines.spark import lake
from pipelines.spark.stages import build_outputs


def _table(lake_root: Path, schema: str, table: str) -> None:
    folder = lake_root / f"{schema}.db" / table
    folder.mkdir(parents=True)
    (folder / "part-0.parquet").write_bytes(b"PAR1")


def test_a_rebuild_clears_the_builds_tables_and_nothing_the_earlier_stages_wrote(tmp_path: Path) -> None:
    settings = load_settings(warehouse=tmp_path / "w.duckdb", spark={"master": "local[1]", "driver_memory": "1g",
                                                                     "shuffle_partitions": 2, "lake": tmp_path / "lake"})
    root = settings.lake_path
    built = [("lib_population", "person"), ("lib_systems", "portfolio"), ("open_data", "township"),
             ("reference", "industry_classification"), ("staging", "int_person_register_observations"),
             ("staging", "int_household_utility_accounts")]
    kept = [("staging", "stg_gongan__household_register"), ("staging", "int_person_records"),
            ("staging", "int_org_records"), ("er", "person_xref"), ("dq", "system_dispositions")]
    for schema, table in built + kept:
        _table(root, schema, table)

    assert sorted(build_outputs(settings)) == sorted(built)
    assert set(lake.lake_tables(settings)) == set(built + kept)
