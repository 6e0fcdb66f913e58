"""The ingest's DuckDB side alone: one or more delivered files of one source, parsed once, then
inserted into a new warehouse file in several ways; CPU s, wall s and file size of each.

The loader thread of the ingest (the one DuckDB connection) is its critical path, and most of it
is DuckDB compressing row groups; this isolates that work from parsing, so that a change to how
rows are written (storage format, compression methods, threads) can be judged on its own
(bench/README.md, "Issue 22 speed, session 18: ingest").

    .venv/bin/python bench/ingest_insert.py LANDING/gongan/2026-04-08/户籍人口_20260408.csv \\
        --variant main --variant format=v1.5.0 --variant disable=dictionary --variant threads=2

A variant is `name` or comma-separated `key=value`: `threads` (DuckDB threads while inserting),
`format` (storage_compatibility_version the file is created with), `disable`
(disabled_compression_methods, `+` between methods). Each variant's file is written under
--scratch and deleted afterwards; a first, untimed run takes the one-off imports (pyarrow's
of pandas) out of the first variant's figures.
"""

from __future__ import annotations

import argparse
import resource
import time
from pathlib import Path

import duckdb
import pyarrow as pa
from polars import CompatLevel

from pipelines.ingest._ledger import ensure_raw_table, ensure_tables, quote, raw_table_name
from pipelines.ingest._rows import Chunk
from pipelines.ingest._sources import guarded, open_source
from pipelines.ingest._stage import ARROW_BATCH_ROWS, MEMORY_LIMIT, match


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _chunks(paths: list[Path]) -> tuple[object, list[Chunk]]:
    """The files' chunks as the ingest's readers give them (every file must match one contract)."""
    contract = None
    chunks: list[Chunk] = []
    for path in paths:
        found, problem, _ = match(path.parts[-3], path.name)
        if found is None or (contract is not None and found.source != contract.source):
            raise SystemExit(f"{path}: {problem or 'another source than the first file'}")
        contract = found
        source = open_source(path, found)
        try:
            chunks += list(guarded(source.plans[0]()))
        finally:
            source.close()
    return contract, chunks


def _variant(text: str) -> dict[str, str]:
    return dict(part.split("=", 1) for part in text.split(",") if "=" in part)


def run(contract: object, chunks: list[Chunk], target: Path, options: dict[str, str]) -> str:
    """Insert every chunk in one transaction as the ingest does, commit, checkpoint."""
    for suffix in ("", ".wal"):
        Path(str(target) + suffix).unlink(missing_ok=True)
    config = {"storage_compatibility_version": options["format"]} if "format" in options else {}
    con = duckdb.connect(str(target), config=config)
    con.execute(f"set threads = {int(options.get('threads', 1))}")
    con.execute(f"set memory_limit = '{MEMORY_LIMIT}'")
    con.execute("set checkpoint_threshold = '1GB'")
    if "disable" in options:
        con.execute(f"set disabled_compression_methods = '{options['disable'].replace('+', ',')}'")
    ensure_tables(con)
    ensure_raw_table(con, contract)  # type: ignore[arg-type]
    names = [c.name_zh for c in contract.columns]  # type: ignore[attr-defined]
    columns = ", ".join(quote(n) for n in names)
    values = ", ".join(f"nullif({quote(n)}, '')" for n in names)
    cpu, wall = _cpu(), time.perf_counter()
    con.begin()
    for chunk in chunks:
        table = chunk.good.to_arrow(compat_level=CompatLevel.newest())
        con.register("rows", pa.Table.from_batches(table.to_batches(ARROW_BATCH_ROWS), table.schema))
        con.execute(
            f"insert into {raw_table_name(contract)} ({columns}, _batch_id, _file, _sha256, _line, "  # type: ignore[arg-type]
            f"_delivery_date, _extras) select {values}, 'b', 'f', 's', _line, date '2026-01-01', "
            "_extras from rows"
        )
        con.unregister("rows")
    con.commit()
    con.execute("set threads = 2")
    con.execute("checkpoint")
    con.close()
    cpu, wall = _cpu() - cpu, time.perf_counter() - wall
    size = target.stat().st_size
    target.unlink()
    return f"{cpu:7.2f} CPU s {wall:7.2f} wall s {size / 2**20:7.1f} MB"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="+", type=Path)
    parser.add_argument("--variant", action="append", default=[])
    parser.add_argument("--scratch", type=Path, default=Path("/tmp"))
    args = parser.parse_args()
    contract, chunks = _chunks(args.files)
    print(f"{sum(c.good.height for c in chunks):,} rows in {len(chunks)} chunks")
    run(contract, chunks[:1], args.scratch / "ingest_insert.duckdb", {})  # warm-up: imports
    for variant in args.variant or ["main"]:
        result = run(contract, chunks, args.scratch / "ingest_insert.duckdb", _variant(variant))
        print(f"{variant:40s} {result}", flush=True)


if __name__ == "__main__":
    main()
