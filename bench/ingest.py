"""Ingest benchmark: the stage against DuckDB's own `read_csv`, wall time and peak memory.

Three measurements, each optional:

1. `--compare` (default on): the UTF-8 CSV files of the landing folder, loaded (a) by DuckDB's
   `create table ... as select * from read_csv(file, all_varchar = true)` into a fresh DuckDB
   file, and (b) by `ingest()` into a fresh warehouse (a landing folder of links to exactly those
   files). Both run in this process, alternately, `--repeat` times; the ratio of the medians is
   the number the issue bounds (at most 1.5).
2. `--full`: the whole landing folder through `ingest()` in a child process: wall time and the
   child's peak resident memory (the issue: `county` under 60 s, `city` under 4 GB).
3. `--synthetic-rows N`: one household-register CSV of N rows (GB18030, with quoted multi-line
   addresses and ragged rows, the worst case of the fast path) written to a scratch landing and
   ingested in a child process: peak memory of a file far larger than any chunk, as a stand-in
   for `city` scale when generating a whole city is too slow for the machine.

Usage:
    .venv/bin/python bench/ingest.py --landing data/landing --full
    .venv/bin/python bench/ingest.py --landing /tmp/county/landing --repeat 3 --json out.json
    .venv/bin/python bench/ingest.py --synthetic-rows 6000000 --no-compare
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]

CHILD = """
import json, resource, sys, time
from pathlib import Path
from pipelines.ingest import ingest
from pipelines.settings import load_settings
settings = load_settings(warehouse=Path(sys.argv[1]), landing=Path(sys.argv[2]))
started = time.perf_counter()
summary = ingest(settings)
elapsed = time.perf_counter() - started
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"seconds": round(elapsed, 2), "peak_mb": round(peak), **summary.totals()}))
"""


def utf8_csv_files(landing: Path) -> list[Path]:
    """Files of the landing folder that are CSV by content, UTF-8 (no BOM) and match a contract."""
    from pipelines.ingest import match
    from pipelines.ingest._landing import walk_landing
    from pipelines.ingest._sniff import SAMPLE_BYTES, quick_encoding, sniff_format

    found = []
    for delivered in walk_landing(landing):
        contract, _, _ = match(delivered.department, delivered.name)
        if contract is None or delivered.problem:
            continue
        with delivered.path.open("rb") as handle:
            head = handle.read(SAMPLE_BYTES)
        encoding = quick_encoding(head, len(head) < SAMPLE_BYTES, "utf-8")
        if sniff_format(head) == "text" and encoding is not None and (
            encoding.codec == "utf-8" and not encoding.bom
        ):
            found.append(delivered.path)
    return found


def duckdb_baseline(files: list[Path], scratch: Path, lineage: bool = False) -> float:
    """DuckDB's own `read_csv` into a table per file; with `lineage`, plus the six lineage
    columns the raw tables carry (constants, and the row number as text for `_line`), which
    is what DuckDB alone would pay to store what the ingest stores."""
    import duckdb

    target = scratch / "baseline.duckdb"
    target.unlink(missing_ok=True)
    extra = (
        ", 'abcdef0123456789' as _batch_id, ? as _file, repeat('a', 64) as _sha256, "
        "(row_number() over () + 1)::varchar as _line, date '2026-10-01' as _delivery_date, "
        "null::varchar as _extras"
    ) if lineage else ""
    started = time.perf_counter()
    with duckdb.connect(str(target)) as con:
        for index, path in enumerate(files):
            params = [str(path), str(path)] if lineage else [str(path)]
            con.execute(
                f"create table t{index} as select *{extra.replace('?', '$2')} "
                "from read_csv($1, all_varchar = true)",
                params,
            )
    return time.perf_counter() - started


def parsed_by_duckdb(files: list[Path]) -> list[Path]:
    """Files whose columns DuckDB's sniffer finds (the generator's damaged files can make it
    read every line as one column, which is no fair baseline)."""
    import duckdb

    from pipelines.ingest import match
    from pipelines.ingest._delimited import detect_layout

    kept = []
    with duckdb.connect() as con:
        for path in files:
            contract, _, _ = match(path.parent.parent.name, path.name)
            width = detect_layout(path, contract).width if contract else 0
            columns = con.execute(
                "select count(*) from (describe select * from read_csv(?, all_varchar = true))",
                [str(path)],
            ).fetchone()[0]
            if columns >= width:
                kept.append(path)
    return kept


def ingest_files(files: list[Path], landing: Path, scratch: Path) -> float:
    from pipelines.ingest import ingest
    from pipelines.settings import load_settings

    links = scratch / "links"
    shutil.rmtree(links, ignore_errors=True)
    for path in files:
        link = links / path.relative_to(landing)
        link.parent.mkdir(parents=True, exist_ok=True)
        link.symlink_to(path)
    warehouse = scratch / "ingest.duckdb"
    warehouse.unlink(missing_ok=True)
    settings = load_settings(warehouse=warehouse, landing=links)
    started = time.perf_counter()
    summary = ingest(settings)
    elapsed = time.perf_counter() - started
    assert summary.count("rejected") == 0, summary.as_table()
    return elapsed


def compare(landing: Path, repeat: int, scratch: Path) -> dict[str, Any]:
    all_files = utf8_csv_files(landing)
    if not all_files:
        return {"utf8_csv_files": 0}
    result: dict[str, Any] = {}
    for label, files in (("all", all_files), ("parsed_by_duckdb", parsed_by_duckdb(all_files))):
        baseline, lineage, ours = [], [], []
        for _ in range(repeat):
            baseline.append(duckdb_baseline(files, scratch))
            lineage.append(duckdb_baseline(files, scratch, lineage=True))
            ours.append(ingest_files(files, landing, scratch))
        result[label] = {
            "files": len(files),
            "mb": round(sum(p.stat().st_size for p in files) / 1e6, 1),
            "duckdb_read_csv_s": [round(t, 2) for t in baseline],
            "duckdb_read_csv_with_lineage_s": [round(t, 2) for t in lineage],
            "ingest_s": [round(t, 2) for t in ours],
            "ratio_of_medians": round(statistics.median(ours) / statistics.median(baseline), 2),
            "ratio_to_lineage_baseline": round(
                statistics.median(ours) / statistics.median(lineage), 2
            ),
        }
    return result


def full_run(landing: Path, scratch: Path) -> dict[str, Any]:
    warehouse = scratch / "full.duckdb"
    warehouse.unlink(missing_ok=True)
    done = subprocess.run(
        [sys.executable, "-c", CHILD, str(warehouse), str(landing)],
        capture_output=True, text=True, cwd=ROOT, check=False,
    )
    if done.returncode:
        raise SystemExit(done.stderr[-3000:])
    return json.loads(done.stdout.strip().splitlines()[-1])


def synthetic(rows: int, scratch: Path) -> dict[str, Any]:
    """A household-register file of `rows` rows, with the damage the fast path must absorb."""
    landing = scratch / "synthetic"
    shutil.rmtree(landing, ignore_errors=True)
    path = landing / "gongan" / "2026-10-01" / "户籍人口_synthetic.csv"
    path.parent.mkdir(parents=True)
    rng = random.Random(7)
    header = ("公民身份号码,姓名,性别,民族,出生日期,户号,与户主关系,行政区划代码,户籍地址,婚姻状况,"
              "联系电话,户籍状态,登记日期\r\n")
    with path.open("w", encoding="gb18030", newline="") as out:
        out.write(header)
        batch = []
        for i in range(rows):
            address = f"山东省聊城市茌平区振兴街道{i % 977}号{rng.randrange(30)}号楼"
            if i % 200 == 7:
                address = f'"{address}\n{i % 13}单元"'  # a quoted value on two lines
            elif i % 250 == 11:
                address = address + ",东侧"  # an unquoted comma: a ragged row
            batch.append(
                f"3715031990{i:08d},张{i % 9973},男,汉族,1990-01-01,H{i // 4:09d},户主,"
                f"371503001001,{address},已婚,138{i % 10**8:08d},正常,2010-05-06\r\n"
            )
            if len(batch) == 100_000:
                out.write("".join(batch))
                batch = []
        out.write("".join(batch))
    result = {"synthetic_rows": rows, "synthetic_mb": round(path.stat().st_size / 1e6)}
    result.update(full_run(landing, scratch))
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--landing", type=Path, help="landing folder (default: settings)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-compare", dest="compare", action="store_false")
    parser.add_argument("--full", action="store_true", help="whole landing in a child process")
    parser.add_argument("--synthetic-rows", type=int, default=0)
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args()

    from pipelines.settings import get_settings

    landing = (args.landing or get_settings().landing_path).resolve()
    results: dict[str, Any] = {"landing": str(landing), "cpus": os.cpu_count(),
                               "load_average": os.getloadavg()}
    scratch = Path(tempfile.mkdtemp(prefix="bench-ingest-"))
    try:
        if args.compare and landing.is_dir():
            results["compare"] = compare(landing, args.repeat, scratch)
            print(json.dumps(results["compare"]), flush=True)
        if args.full and landing.is_dir():
            results["full"] = full_run(landing, scratch)
            print(json.dumps(results["full"]), flush=True)
        if args.synthetic_rows:
            results["synthetic"] = synthetic(args.synthetic_rows, scratch)
            print(json.dumps(results["synthetic"]), flush=True)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    results["load_average_after"] = os.getloadavg()
    if args.json:
        args.json.write_text(json.dumps(results, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
