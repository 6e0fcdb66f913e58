"""Benchmark of the sample-county generator: time, peak memory and output size per scale.

Run by hand (each scale in a fresh interpreter, into a scratch folder that is removed after):

    .venv/bin/python bench/generate.py --scale tiny small
    .venv/bin/python bench/generate.py --scale county --keep

Budgets (issue 3): tiny < 5 s, small < 30 s, county < 3 min and < 4 GB, city streamed < 8 GB.
Peak memory is the maximum resident set size of the child process.

Last measured (2 shared cores, seed 20261101, as of 2026-11-01):

    scale  | seconds | peak MB | files | rows      | person records | org records | defects
    tiny   |     2.5 |     216 |   207 |    37,841 |          8,128 |       1,096 |   3,474
    small  |     6.4 |     321 |   219 |   322,909 |         81,565 |      10,142 |  33,622
    county |    92.8 |   2,464 |   219 | 8,348,349 |      2,232,106 |     270,787 | 919,543

`city` is refused by the generator (it builds each source from the whole population in memory).
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
import json, resource, sys, time
from pathlib import Path
from pipelines.generator import generate
from pipelines.settings import load_settings
base = Path(sys.argv[1])
s = load_settings(landing=base / "landing", truth=base / "truth", scale=sys.argv[2])
t = time.perf_counter()
summary = generate(s)
seconds = time.perf_counter() - t
size = sum(p.stat().st_size for p in (base / "landing").rglob("*") if p.is_file())
print(json.dumps({
    "seconds": round(seconds, 1),
    "peak_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
    "files": summary.files, "rows": summary.rows, "person_records": summary.person_records,
    "org_records": summary.org_records, "defects": summary.defects, "landing_mb": round(size / 2**20),
}))
"""


def run(scale: str, keep: bool) -> dict[str, object]:
    scratch = Path(tempfile.mkdtemp(prefix=f"govdata-gen-{scale}-"))
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
    args = parser.parse_args()
    rows = [run(scale, args.keep) for scale in args.scale]
    columns = list(rows[0])
    print(" | ".join(columns))
    for row in rows:
        print(" | ".join(str(row[c]) for c in columns))


if __name__ == "__main__":
    main()
