"""Benchmark of the sample-county generator: time, peak memory and output size per scale.

Run by hand (each scale in a fresh interpreter, into a scratch folder that is removed after):

    .venv/bin/python bench/generate.py --scale tiny small
    .venv/bin/python bench/generate.py --scale county --keep
    .venv/bin/python bench/generate.py --scale city --root /tmp/somewhere   # ~10 GB of files

Budgets (issue 3): tiny < 5 s, small < 30 s, county < 3 min and < 4 GB, city streamed < 8 GB.
Peak memory is the maximum resident set size of the child process; CPU is its user + system
time and `load` the 1-minute load average when it finished (the cores are shared, so wall-clock
seconds depend on what else runs). `city` is generated in shards of 500,000 residents.

Last measured 2026-11-26 (2 shared cores, seed 20261101, as of 2026-11-01; `--keep --root`):

    scale  | seconds | CPU s | load | peak MB | files | rows       | person records | org records | defects    | landing MB
    tiny   |     1.9 |   2.4 |  5.2 |     221 |   207 |     37,841 |          8,128 |       1,096 |      3,476 |          4
    small  |     3.9 |   4.1 |  5.2 |     326 |   219 |    322,909 |         81,565 |      10,142 |     33,635 |         35
    county |    73.9 |  42.0 |  5.7 |   2,481 |   219 |  8,348,349 |      2,232,106 |     270,787 |    919,911 |        922
    city   | 1,031.1 | 556.2 |  6.8 |   2,662 |   219 | 89,489,030 |     24,359,264 |   2,946,952 | 10,061,113 |      9,976

(city: two runs gave the same bytes in all 227 files; `/usr/bin/time -v` maximum RSS 2,725,652 kB,
17 min 13 s wall, of the whole benchmark process tree.)
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

BUDGET = {"tiny": (5, None), "small": (30, None), "county": (180, 4096), "city": (None, 8192)}

CHILD = """
import json, os, resource, sys, time
from pathlib import Path
from pipelines.generator import generate
from pipelines.settings import load_settings
base = Path(sys.argv[1])
s = load_settings(landing=base / "landing", truth=base / "truth", scale=sys.argv[2])
t = time.perf_counter()
summary = generate(s)
seconds = time.perf_counter() - t
size = sum(p.stat().st_size for p in (base / "landing").rglob("*") if p.is_file())
usage = resource.getrusage(resource.RUSAGE_SELF)
print(json.dumps({
    "seconds": round(seconds, 1),
    "cpu_s": round(usage.ru_utime + usage.ru_stime, 1),
    "load": round(os.getloadavg()[0], 1),
    "peak_mb": round(usage.ru_maxrss / 1024),
    "files": summary.files, "rows": summary.rows, "person_records": summary.person_records,
    "org_records": summary.org_records, "defects": summary.defects, "landing_mb": round(size / 2**20),
}))
"""


def run(scale: str, keep: bool, root: Path | None = None) -> dict[str, object]:
    scratch = Path(tempfile.mkdtemp(prefix=f"govdata-gen-{scale}-", dir=root))
    try:
        done = subprocess.run([sys.executable, "-c", CHILD, str(scratch), scale], capture_output=True, text=True)
        if done.returncode != 0:
            raise SystemExit(f"generate --scale {scale} failed:\n{done.stderr[-3000:]}")
        result = json.loads(done.stdout.strip().splitlines()[-1])
    finally:
        if keep:
            print(f"kept {scratch}", file=sys.stderr)
        else:
            shutil.rmtree(scratch, ignore_errors=True)
    seconds_budget, memory_budget = BUDGET[scale]
    result["within_budget"] = (seconds_budget is None or result["seconds"] < seconds_budget) and (
        memory_budget is None or result["peak_mb"] < memory_budget)
    return {"scale": scale, **result}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", nargs="+", default=["tiny", "small"],
                        choices=["tiny", "small", "county", "city"])
    parser.add_argument("--keep", action="store_true", help="keep the generated folders")
    parser.add_argument("--root", type=Path, default=None, help="where the scratch folders go (default: temp)")
    args = parser.parse_args()
    rows = [run(scale, args.keep, args.root) for scale in args.scale]
    columns = list(rows[0])
    print(" | ".join(columns))
    for row in rows:
        print(" | ".join(str(row[c]) for c in columns))


if __name__ == "__main__":
    main()
