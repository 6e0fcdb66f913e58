"""Benchmark: accuracy of the information systems library's zombie and shadow candidates.

Run by hand (results go into bench/README.md):

    .venv/bin/python bench/systems.py --scale small               # generate, run the chain, score
    .venv/bin/python bench/systems.py --warehouse W --truth T     # score a warehouse already built

It generates a county of the given scale into a scratch folder, runs ingest, stage, resolve
and build (each in a fresh interpreter, timed for information), then compares
`lib_systems.zombie_candidate` and `lib_systems.shadow_candidate` with the generator's truth
(`systems.parquet`: `is_zombie`, `shadow_of`): recall and precision for each (target >= 90%),
recall per planted kind, which near-misses were wrongly flagged, and for shadow pairs how often
the system the library calls primary is the original. Only this benchmark and the tests read
the truth; the pipeline never does.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

TARGET = 0.90
PREPARE = [
    ("generate", "from pipelines.generator import generate; generate(s)"),
    ("ingest", "from pipelines.ingest import ingest; ingest(s)"),
    ("stage", "from pipelines.stage import run_stage; run_stage(s)"),
    ("resolve", "from pipelines.resolve.stage import run_resolve; run_resolve(s)"),
    ("build", "from pipelines.build import run_build; run_build(s)"),
]


@dataclass
class Score:
    """Recall and precision of one kind of candidate against the truth."""

    planted: int
    flagged: int
    found: int
    recall_by_kind: dict[str, str] = field(default_factory=dict)
    near_misses_flagged: dict[str, int] = field(default_factory=dict)
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def recall(self) -> float:
        return self.found / self.planted if self.planted else 1.0

    @property
    def precision(self) -> float:
        return self.found / self.flagged if self.flagged else 1.0


def score(warehouse: Path, truth: Path) -> dict[str, Score]:
    """Zombie and shadow candidates of a built warehouse against the generator's truth."""
    import duckdb
    import polars as pl

    systems = pl.read_parquet(truth / "systems.parquet")
    with duckdb.connect(str(warehouse), read_only=True) as con:
        zombies = set(r[0] for r in con.execute("select system_code from lib_systems.zombie_candidate").fetchall())
        pairs = con.execute(
            "select system_code_a, system_code_b, primary_system_code from lib_systems.shadow_candidate").fetchall()
    near = {r["system_code"]: r["near_miss"] for r in systems.filter(pl.col("near_miss").is_not_null()).iter_rows(named=True)}

    true_zombies = systems.filter(pl.col("is_zombie"))
    z = Score(planted=true_zombies.height, flagged=len(zombies),
              found=len(zombies & set(true_zombies["system_code"])))
    for kind, group in true_zombies.group_by("zombie_kind"):
        codes = set(group["system_code"])
        z.recall_by_kind[str(kind[0])] = f"{len(codes & zombies)}/{len(codes)}"
    for code in zombies:
        if code in near:
            z.near_misses_flagged[near[code]] = z.near_misses_flagged.get(near[code], 0) + 1

    shadows = systems.filter(pl.col("shadow_of").is_not_null())
    true_pairs = {frozenset((r["system_code"], r["shadow_of"])): (r["shadow_kind"], r["shadow_of"])
                  for r in shadows.iter_rows(named=True)}
    flagged = {frozenset((a, b)): primary for a, b, primary in pairs}
    s = Score(planted=len(true_pairs), flagged=len(flagged), found=len(set(flagged) & set(true_pairs)))
    for kind in sorted(set(shadows["shadow_kind"])):
        kind_pairs = {p for p, (k, _) in true_pairs.items() if k == kind}
        s.recall_by_kind[kind] = f"{len(kind_pairs & set(flagged))}/{len(kind_pairs)}"
    for pair in set(flagged) - set(true_pairs):
        for code in pair:
            if code in near:
                s.near_misses_flagged[near[code]] = s.near_misses_flagged.get(near[code], 0) + 1
    found = set(flagged) & set(true_pairs)
    primary_right = sum(1 for p in found if flagged[p] == true_pairs[p][1])
    s.extra["primary is the original"] = f"{primary_right}/{len(found)}"
    return {"zombie": z, "shadow": s}


def _child(code: str, env: dict[str, str]) -> float:
    script = (
        "import time\nfrom pipelines.settings import load_settings\ns = load_settings()\n"
        f"t = time.perf_counter()\n{code}\nprint('SECONDS', time.perf_counter() - t)\n"
    )
    done = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"failed: {code}\n{done.stderr[-3000:]}")
    return next(float(line.split()[1]) for line in done.stdout.splitlines() if line.startswith("SECONDS"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", default="small", choices=["tiny", "small", "county"])
    parser.add_argument("--warehouse", type=Path, help="a warehouse already built (with --truth)")
    parser.add_argument("--truth", type=Path, help="the generator's truth folder (with --warehouse)")
    parser.add_argument("--keep", action="store_true", help="keep the scratch folder")
    args = parser.parse_args()

    scratch = Path(tempfile.mkdtemp(prefix=f"govdata-bench-systems-{args.scale}-"))
    warehouse, truth = args.warehouse, args.truth
    try:
        if warehouse is None:
            env = {
                **os.environ,
                "GOVDATA_SCALE": args.scale,
                "GOVDATA_LANDING": str(scratch / "landing"),
                "GOVDATA_TRUTH": str(scratch / "truth"),
                "GOVDATA_REPORTS": str(scratch / "reports"),
                "GOVDATA_OPEN_DIR": str(scratch / "open"),
                "GOVDATA_SHARE_DIR": str(scratch / "share"),
                "GOVDATA_WAREHOUSE": str(scratch / "govdata.duckdb"),
                "GOVDATA_DBT_TARGET": str(scratch / "dbt_target"),
            }
            for name, code in PREPARE:
                print(f"{name:<10}{_child(code, env):>9.1f} s", flush=True)
            warehouse, truth = scratch / "govdata.duckdb", scratch / "truth"
        assert truth is not None, "--truth is needed with --warehouse"
        results = score(warehouse, truth)
        print(f"load average {os.getloadavg()[0]:.1f} {os.getloadavg()[1]:.1f} {os.getloadavg()[2]:.1f}")
        ok = True
        for name, sc in results.items():
            passed = sc.recall >= TARGET and sc.precision >= TARGET
            ok &= passed
            print(f"{name}: planted {sc.planted}, flagged {sc.flagged}, right {sc.found}: "
                  f"recall {sc.recall:.1%}, precision {sc.precision:.1%} ({'ok' if passed else 'BELOW 90%'})")
            print(f"  recall by kind: {sc.recall_by_kind}")
            print(f"  near-misses wrongly flagged: {sc.near_misses_flagged or 'none'}")
            for key, value in sc.extra.items():
                print(f"  {key}: {value}")
        if not ok:
            raise SystemExit(1)
    finally:
        if not args.keep and args.warehouse is None:
            shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
