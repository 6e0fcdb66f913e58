"""Ingest benchmark: the stage against DuckDB's own readers, wall time, CPU time and peak memory.

Every timing is reported with the CPU time (user + system, all threads) it took and the load
average around it: the machine is shared, and on two busy cores wall time says more about the
neighbours than about the code.

Measurements, each optional:

1. `--compare` (default on): the UTF-8 CSV files of the landing folder, loaded (a) by DuckDB,
   one table per file, with exactly

       create table t<i> as select * from read_csv('<file>', all_varchar = true)

   into a fresh DuckDB file (its default settings: all threads), and (b) by `ingest()` into a
   fresh warehouse (a landing folder of links to exactly those files). Both run in this process,
   alternately, `--repeat` times; the ratio of the medians (wall, and CPU) is the number the
   issue bounds (at most 1.5). Two sets: all UTF-8 CSV files, and those whose columns DuckDB's
   sniffer finds (on a damaged file it may read every line as one column, less work than a
   fair read). A second baseline tells `read_csv` each file's dialect (delimiter, header line)
   and lets it skip the rows it cannot parse, so that it reads every column of a damaged file
   too. A third adds the six lineage columns the raw tables carry (its `_line` comes from a
   window function, which costs DuckDB more than storing the column does).
2. `--formats`: every format of the landing folder (UTF-8 CSV, UTF-8 CSV with BOM, GB18030
   CSV, XLSX, JSON, JSON Lines, GeoJSON) through `ingest()` alone, and through DuckDB's reader
   for it where one exists offline: `read_csv` (GB18030 files re-encoded to UTF-8 first, as
   DuckDB has no GB18030 decoder without downloading an extension; the re-encoding is not
   timed), `read_xlsx` when the `excel` extension is installed locally, `read_json`.
3. `--full`: the whole landing folder through `ingest()` in a child process: wall time, CPU time
   and the child's peak resident memory (the issue: `county` under 60 s, `city` under 4 GB).
4. `--synthetic-rows N`: one household-register CSV of N rows (GB18030, with quoted multi-line
   addresses and ragged rows, the worst case of the fast path) written to a scratch landing and
   ingested in a child process: peak memory of a file far larger than any chunk, as a stand-in
   for `city` scale when generating a whole city is too slow for the machine. With
   `--synthetic-files K` the rows come as K parts of one delivery: a department's files share
   a transaction, so this measures the memory of a long one.

Usage:
    .venv/bin/python bench/ingest.py --landing data/landing --full
    .venv/bin/python bench/ingest.py --landing /tmp/county/landing --repeat 3 --json out.json
    .venv/bin/python bench/ingest.py --landing /tmp/county/landing --no-compare --formats
    .venv/bin/python bench/ingest.py --synthetic-rows 6000000 --no-compare
    .venv/bin/python bench/ingest.py --synthetic-rows 6000000 --synthetic-files 12 --no-compare
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]

READ_CSV = "create table t{index} as select * from read_csv($1, all_varchar = true)"

CHILD = """
import json, resource, sys, time
from pathlib import Path
from pipelines.ingest import ingest
from pipelines.settings import load_settings
settings = load_settings(warehouse=Path(sys.argv[1]), landing=Path(sys.argv[2]))
started = time.perf_counter()
summary = ingest(settings)
elapsed = time.perf_counter() - started
usage = resource.getrusage(resource.RUSAGE_SELF)
print(json.dumps({"seconds": round(elapsed, 2), "cpu_s": round(usage.ru_utime + usage.ru_stime, 1),
                  "peak_mb": round(usage.ru_maxrss / 1024), **summary.totals()}))
"""


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _timed(run: Callable[[], object]) -> dict[str, float]:
    """Wall and CPU seconds of a call, with the 1-minute load average before it."""
    load = os.getloadavg()[0]
    cpu, started = _cpu(), time.perf_counter()
    run()
    return {"wall": time.perf_counter() - started, "cpu": _cpu() - cpu, "load": load}


def delivered_files(landing: Path) -> list[tuple[Path, str]]:
    """`(path, kind)` of every file of the landing folder that matches a contract, its kind
    decided from its bytes as the ingest decides it: `csv utf-8`, `csv utf-8 (BOM)`,
    `csv gb18030`, `xlsx`, `json`, `jsonl`, `geojson`."""
    from pipelines.ingest import match
    from pipelines.ingest._landing import walk_landing
    from pipelines.ingest._sources import open_source

    found = []
    for delivered in walk_landing(landing):
        contract, _, _ = match(delivered.department, delivered.name)
        if contract is None or delivered.problem:
            continue
        try:
            source = open_source(delivered.path, contract)
        except Exception:  # noqa: BLE001 - a file the ingest rejects has no format to bench
            continue
        source.close()
        kind = source.format if source.format != "csv" else f"csv {source.encoding}"
        found.append((delivered.path, kind))
    return found


def utf8_csv_files(landing: Path) -> list[Path]:
    """Files of the landing folder that are CSV by content, UTF-8 (no BOM) and match a contract."""
    return [path for path, kind in delivered_files(landing) if kind == "csv utf-8"]


def duckdb_baseline(files: list[Path], scratch: Path, lineage: bool = False,
                    reader: str = READ_CSV, extensions: tuple[str, ...] = ()) -> None:
    """DuckDB's own reader into a table per file (`READ_CSV` unless another is given); with
    `lineage`, plus the six lineage columns the raw tables carry (constants, and the row number
    as text for `_line`)."""
    import duckdb

    target = scratch / "baseline.duckdb"
    target.unlink(missing_ok=True)
    extra = (
        ", 'abcdef0123456789' as _batch_id, $2 as _file, repeat('a', 64) as _sha256, "
        "(row_number() over () + 1)::varchar as _line, date '2026-10-01' as _delivery_date, "
        "null::varchar as _extras"
    ) if lineage else ""
    with duckdb.connect(str(target)) as con:
        for name in extensions:
            con.execute(f"load {name}")
        for index, path in enumerate(files):
            sql = reader.format(index=index).replace(" * from", f" *{extra} from")
            con.execute(sql, [str(path), str(path)] if lineage else [str(path)])


def dialect_baseline(files: list[Path], scratch: Path) -> Callable[[], None]:
    """DuckDB's `read_csv` told each file's dialect (delimiter, header line, double quote)
    instead of sniffing it, skipping the rows it cannot parse (`ignore_errors`): on a file
    with damaged rows its sniffer may otherwise read every line as one column, which is less
    work than reading the file. The dialect comes from the ingest's own layout detection,
    done here before the clock starts."""
    from pipelines.ingest import match
    from pipelines.ingest._delimited import detect_layout

    dialects = []
    for path in files:
        contract, _, _ = match(path.parent.parent.name, path.name)
        layout = detect_layout(path, contract)
        dialects.append((str(path), layout.delimiter, layout.header_line - 1))

    def run() -> None:
        import duckdb

        target = scratch / "dialect.duckdb"
        target.unlink(missing_ok=True)
        with duckdb.connect(str(target)) as con:
            for index, params in enumerate(dialects):
                con.execute(
                    f"create table t{index} as select * from read_csv(?, all_varchar = true, "
                    "delim = ?, quote = '\"', header = true, skip = ?, ignore_errors = true)",
                    list(params),
                )

    return run


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


def ingest_files(files: list[Path], landing: Path, scratch: Path) -> None:
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
    Path(f"{warehouse}.wal").unlink(missing_ok=True)
    summary = ingest(load_settings(warehouse=warehouse, landing=links))
    assert summary.count("rejected") == 0, summary.as_table()


def _summary(runs: list[dict[str, float]]) -> dict[str, Any]:
    return {
        "wall_s": [round(r["wall"], 2) for r in runs],
        "cpu_s": [round(r["cpu"], 2) for r in runs],
        "load_1min": [round(r["load"], 1) for r in runs],
    }


def _ratio(ours: list[dict[str, float]], base: list[dict[str, float]], key: str) -> float:
    return round(statistics.median(r[key] for r in ours) / statistics.median(r[key] for r in base), 2)


def compare(landing: Path, repeat: int, scratch: Path) -> dict[str, Any]:
    all_files = utf8_csv_files(landing)
    if not all_files:
        return {"utf8_csv_files": 0}
    import duckdb  # noqa: F401 - imported before any clock starts, as is the ingest
    import pipelines.ingest  # noqa: F401

    result: dict[str, Any] = {"read_csv": READ_CSV}
    for label, files in (("all", all_files), ("parsed_by_duckdb", parsed_by_duckdb(all_files))):
        baseline, dialect, lineage, ours = [], [], [], []
        told = dialect_baseline(files, scratch)
        for _ in range(repeat):
            baseline.append(_timed(lambda: duckdb_baseline(files, scratch)))  # noqa: B023
            dialect.append(_timed(told))
            lineage.append(_timed(lambda: duckdb_baseline(files, scratch, lineage=True)))  # noqa: B023
            ours.append(_timed(lambda: ingest_files(files, landing, scratch)))  # noqa: B023
        result[label] = {
            "files": len(files),
            "mb": round(sum(p.stat().st_size for p in files) / 1e6, 1),
            "duckdb_read_csv": _summary(baseline),
            "duckdb_read_csv_dialect_given": _summary(dialect),
            "duckdb_read_csv_with_lineage": _summary(lineage),
            "ingest": _summary(ours),
            "wall_ratio_of_medians": _ratio(ours, baseline, "wall"),
            "cpu_ratio_of_medians": _ratio(ours, baseline, "cpu"),
            "wall_ratio_to_dialect_baseline": _ratio(ours, dialect, "wall"),
            "cpu_ratio_to_dialect_baseline": _ratio(ours, dialect, "cpu"),
            "wall_ratio_to_lineage_baseline": _ratio(ours, lineage, "wall"),
            "cpu_ratio_to_lineage_baseline": _ratio(ours, lineage, "cpu"),
        }
    return result


def _reencoded(files: list[Path], scratch: Path) -> list[Path]:
    """UTF-8 copies of GB18030 files (for DuckDB, which cannot decode GB18030 offline)."""
    folder = scratch / "utf8"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir()
    copies = []
    for index, path in enumerate(files):
        copy = folder / f"{index}.csv"
        copy.write_bytes(path.read_bytes().decode("gb18030", errors="replace").encode("utf-8"))
        copies.append(copy)
    return copies


def _excel_available() -> bool:
    import duckdb

    with duckdb.connect() as con:
        return bool(con.execute(
            "select count(*) from duckdb_extensions() where extension_name = 'excel' and installed"
        ).fetchone()[0])


def formats(landing: Path, repeat: int, scratch: Path) -> dict[str, Any]:
    """Each format through the ingest and through DuckDB's own reader for it."""
    groups: dict[str, list[Path]] = {}
    for path, kind in delivered_files(landing):
        groups.setdefault(kind, []).append(path)
    result: dict[str, Any] = {}
    for kind, files in sorted(groups.items()):
        baseline_files, reader, extensions = files, READ_CSV, ()
        if kind == "csv gb18030":
            baseline_files = _reencoded(files, scratch)
            note = "read_csv of a UTF-8 copy (re-encoding not timed)"
        elif kind.startswith("csv"):
            note = "read_csv"
        elif kind == "xlsx":
            reader = "create table t{index} as select * from read_xlsx($1, all_varchar = true)"
            extensions = ("excel",)
            note = "read_xlsx (first sheet)"
            if not _excel_available():
                reader, note = "", "no DuckDB reader installed"
        else:
            reader = "create table t{index} as select * from read_json($1)"
            note = "read_json"
        ours, base = [], []
        for _ in range(repeat):
            ours.append(_timed(lambda: ingest_files(files, landing, scratch)))  # noqa: B023
            if reader:
                base.append(_timed(lambda: duckdb_baseline(  # noqa: B023
                    baseline_files, scratch, reader=reader, extensions=extensions)))  # noqa: B023
        entry: dict[str, Any] = {
            "files": len(files),
            "mb": round(sum(p.stat().st_size for p in files) / 1e6, 1),
            "ingest": _summary(ours),
            "duckdb_reader": note,
        }
        if base:
            entry["duckdb"] = _summary(base)
            entry["wall_ratio_of_medians"] = _ratio(ours, base, "wall")
            entry["cpu_ratio_of_medians"] = _ratio(ours, base, "cpu")
        result[kind] = entry
        print(json.dumps({kind: entry}, ensure_ascii=False), flush=True)
    return result


def full_run(landing: Path, scratch: Path) -> dict[str, Any]:
    warehouse = scratch / "full.duckdb"
    warehouse.unlink(missing_ok=True)
    load = os.getloadavg()
    done = subprocess.run(
        [sys.executable, "-c", CHILD, str(warehouse), str(landing)],
        capture_output=True, text=True, cwd=ROOT, check=False,
    )
    if done.returncode:
        raise SystemExit(done.stderr[-3000:])
    result = json.loads(done.stdout.strip().splitlines()[-1])
    result["load_before"] = [round(x, 1) for x in load]
    result["load_after"] = [round(x, 1) for x in os.getloadavg()]
    return result


def synthetic(rows: int, scratch: Path, files: int = 1) -> dict[str, Any]:
    """A household register of `rows` rows, with the damage the fast path must absorb, as one
    file or as `files` parts of one delivery (which the ingest loads in shared transactions)."""
    landing = scratch / "synthetic"
    shutil.rmtree(landing, ignore_errors=True)
    folder = landing / "gongan" / "2026-10-01"
    folder.mkdir(parents=True)
    rng = random.Random(7)
    header = ("公民身份号码,姓名,性别,民族,出生日期,户号,与户主关系,行政区划代码,户籍地址,婚姻状况,"
              "联系电话,户籍状态,登记日期\r\n")
    size = 0
    for part in range(files):
        name = "户籍人口_synthetic.csv" if files == 1 else f"户籍人口_synthetic_part{part + 1}.csv"
        first, last = rows * part // files, rows * (part + 1) // files
        _write_register(folder / name, header, range(first, last), rng)
        size += (folder / name).stat().st_size
    result = {"synthetic_rows": rows, "synthetic_files": files, "synthetic_mb": round(size / 1e6)}
    result.update(full_run(landing, scratch))
    return result


def _write_register(path: Path, header: str, numbers: range, rng: random.Random) -> None:
    with path.open("w", encoding="gb18030", newline="") as out:
        out.write(header)
        batch = []
        for i in numbers:
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--landing", type=Path, help="landing folder (default: settings)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-compare", dest="compare", action="store_false")
    parser.add_argument("--formats", action="store_true", help="every format vs DuckDB's reader")
    parser.add_argument("--full", action="store_true", help="whole landing in a child process")
    parser.add_argument("--synthetic-rows", type=int, default=0)
    parser.add_argument("--synthetic-files", type=int, default=1,
                        help="deliver the synthetic rows as this many parts")
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
        if args.formats and landing.is_dir():
            results["formats"] = formats(landing, args.repeat, scratch)
        if args.full and landing.is_dir():
            results["full"] = full_run(landing, scratch)
            print(json.dumps(results["full"]), flush=True)
        if args.synthetic_rows:
            results["synthetic"] = synthetic(args.synthetic_rows, scratch, args.synthetic_files)
            print(json.dumps(results["synthetic"]), flush=True)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    results["load_average_after"] = os.getloadavg()
    if args.json:
        args.json.write_text(json.dumps(results, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
