"""`govdata export-raw --parquet DIR`: the raw tables as Parquet files a Spark cluster can read.

Ingest stays one implementation (it reads GBK spreadsheets, XLS, HTML exports and quarantines bad
rows into DuckDB's `raw.*`); the distributed path starts from its output. Each raw table becomes
one folder, partitioned by delivery:

    DIR/<source>/delivery=<YYYY-MM-DD>/part-0.parquet

The columns are the raw table's own (the delivered headers and the lineage columns `_batch_id`,
`_file`, `_sha256`, `_line`, `_delivery_date`, `_extras`), so dbt's staging models read the same
columns on either engine. A source with no delivery yet gets one empty file (`delivery=none`)
holding its columns, so its staging model stages as empty rather than failing. Each source's
folder is written beside the old one and swapped in, so a re-export is a full, idempotent
replacement and a crash half-way leaves the previous export readable.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from pipelines.contracts import all_contracts
from pipelines.settings import Settings

EMPTY_PARTITION = "none"


def raw_sources() -> list[tuple[str, str]]:
    """(source, raw table) of every contract, in contract order."""
    return [(c.source, c.raw_table) for c in all_contracts()]


def export_raw(settings: Settings, target: Path) -> dict[str, int]:
    """Write every raw table to `target/<source>/delivery=<date>/` Parquet; rows per source.

    Missing raw tables are created empty first (as the stage does), so every contract has a folder.
    """
    from pipelines.stage import ensure_raw_tables
    from pipelines.warehouse import connect

    ensure_raw_tables(settings)
    target.mkdir(parents=True, exist_ok=True)
    counts: dict[str, int] = {}
    with connect(settings, read_only=True) as con:
        for source, table in raw_sources():
            folder = target / source
            partial = target / f".{source}.partial"
            shutil.rmtree(partial, ignore_errors=True)
            partial.mkdir(parents=True)
            rows = con.execute(f"select count(*) from {table}").fetchone()[0]  # type: ignore[index]
            if rows:
                con.execute(
                    f"copy (select *, coalesce(cast(cast(_delivery_date as date) as varchar), '{EMPTY_PARTITION}')"
                    f" as delivery from {table}) to '{_quoted(partial)}' "
                    "(format parquet, partition_by (delivery), write_partition_columns false, "
                    "filename_pattern 'part-{i}', overwrite_or_ignore true)"
                )
            else:
                empty = partial / f"delivery={EMPTY_PARTITION}"
                empty.mkdir()
                con.execute(f"copy (select * from {table} limit 0) to '{_quoted(empty / 'part-0.parquet')}' (format parquet)")
            old = target / f".{source}.old"
            shutil.rmtree(old, ignore_errors=True)
            if folder.exists():
                folder.rename(old)
            partial.rename(folder)
            shutil.rmtree(old, ignore_errors=True)
            counts[source] = int(rows)
    return counts


def _quoted(path: Path) -> str:
    return str(path).replace("'", "''")
