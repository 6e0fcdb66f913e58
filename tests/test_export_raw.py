"""`govdata export-raw --parquet DIR`: every raw table as Parquet, by source and delivery, nothing lost."""

from __future__ import annotations

from pathlib import Path

import duckdb
from typer.testing import CliRunner

from pipelines.cli import app
from pipelines.contracts import all_contracts
from pipelines.settings import Settings
from pipelines.stage import ensure_raw_tables
from pipelines.warehouse import connect


def _deliver(settings: Settings) -> str:
    """Two deliveries of the first contract's raw table (three rows), every other table empty."""
    ensure_raw_tables(settings)
    contract = all_contracts()[0]
    first = contract.columns[0].name_zh
    with connect(settings) as con:
        for line, (value, delivered) in enumerate([("甲", "2026-01-05"), ("乙'", "2026-01-05"), (None, "2026-02-05")], 2):
            con.execute(
                f'insert into {contract.raw_table} ("{first}", _batch_id, _file, _sha256, _line, _delivery_date) '
                "values (?, 'b1', 'f.csv', 'abc', ?, ?)",
                [value, str(line), delivered],
            )
    return contract.source


def test_export_raw_partitions_by_source_and_delivery_and_keeps_every_row(
    tmp_settings: Settings, tmp_path: Path
) -> None:
    source = _deliver(tmp_settings)
    out = tmp_path / "export"
    result = CliRunner().invoke(app, ["export-raw", "--parquet", str(out)])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == sorted(c.source for c in all_contracts())
    assert sorted(p.name for p in (out / source).iterdir()) == ["delivery=2026-01-05", "delivery=2026-02-05"]
    contract = next(c for c in all_contracts() if c.source == source)
    with connect(tmp_settings, read_only=True) as con:
        raw = con.execute(f"select * from {contract.raw_table} order by _line").fetchall()
        columns = [r[0] for r in con.execute(f"describe {contract.raw_table}").fetchall()]
    reader = duckdb.connect()
    files = str(out / source / "*" / "*.parquet")
    exported = reader.execute(f"select * exclude (delivery) from read_parquet('{files}', hive_partitioning = true) order by _line").fetchall()
    exported_columns = [r[0] for r in reader.execute(f"describe select * from read_parquet('{files}', hive_partitioning = false)").fetchall()]
    assert exported == raw
    assert exported_columns == columns  # the delivery is the folder's name, not a second column
    # a source without a delivery exports its columns, empty
    empty = next(c for c in all_contracts() if c.source != source)
    empty_files = str(out / empty.source / "delivery=none" / "*.parquet")
    assert reader.execute(f"select count(*) from read_parquet('{empty_files}')").fetchone() == (0,)


def test_export_raw_again_replaces_the_previous_export(tmp_settings: Settings, tmp_path: Path) -> None:
    from pipelines.spark.export_raw import export_raw

    source = _deliver(tmp_settings)
    out = tmp_path / "export"
    first = export_raw(tmp_settings, out)
    stale = out / source / "delivery=1999-01-01"
    stale.mkdir()
    second = export_raw(tmp_settings, out)
    assert first == second and first[source] == 3
    assert not stale.exists()
    assert not [p for p in out.iterdir() if p.name.startswith(".")]
