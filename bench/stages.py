"""Benchmark: time and peak memory of every stage, DAG parse time, and Airflow's overhead.

Run by hand (results go into bench/README.md):

    .venv/bin/python bench/stages.py --scale small

It generates a county of the given scale into a scratch folder, runs the stage functions
directly, then the same stages through `govdata run` (Airflow, dag.test()) on a fresh warehouse,
and prints a table. Peak memory is the maximum resident set size of each child process.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

STAGES = [
    ("ingest", "from pipelines.ingest import ingest; ingest(s)"),
    ("stage", "from pipelines.stage import run_stage; run_stage(s)"),
    ("check_staging", "from pipelines.quality import check_staging; check_staging(s)"),
    ("resolve", "from pipelines.resolve.stage import run_resolve; run_resolve(s)"),
    ("build", "from pipelines.build import run_build; run_build(s)"),
    ("check_libraries", "from pipelines.quality import check_libraries; check_libraries(s)"),
    ("publish", "from pipelines.publish import run_publish; run_publish(s)"),
    ("report", "from pipelines.report import run_report; run_report(s)"),
]


def _child(code: str, env: dict[str, str]) -> tuple[float, float]:
    """Run code in a fresh interpreter; (seconds, peak RSS in MB)."""
    script = (
        "import resource, sys, time\n"
        "from pipelines.settings import load_settings\n"
        "s = load_settings()\n"
        "t = time.perf_counter()\n"
        f"{code}\n"
        "print(time.perf_counter() - t)\n"
        "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)\n"
    )
    done = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"failed: {code}\n{done.stderr[-3000:]}")
    lines = done.stdout.strip().splitlines()
    return float(lines[-2]), float(lines[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", default="small", choices=["tiny", "small", "county", "city"])
    parser.add_argument("--keep", action="store_true", help="keep the scratch folder")
    args = parser.parse_args()
    scratch = Path(tempfile.mkdtemp(prefix=f"govdata-bench-{args.scale}-"))
    env = {
        **os.environ,
        "GOVDATA_SCALE": args.scale,
        "GOVDATA_LANDING": str(scratch / "landing"),
        "GOVDATA_TRUTH": str(scratch / "truth"),
        "GOVDATA_REPORTS": str(scratch / "reports"),
        "GOVDATA_OPEN_DIR": str(scratch / "open"),
        "GOVDATA_SHARE_DIR": str(scratch / "share"),
        "GOVDATA_WAREHOUSE": str(scratch / "direct.duckdb"),
        "AIRFLOW_HOME": str(scratch / "airflow_home"),
    }
    results: dict[str, dict[str, float]] = {}
    seconds, peak = _child("from pipelines.generator import generate; generate(s)", env)
    results["generate"] = {"seconds": seconds, "peak_mb": peak}
    for name, code in STAGES:
        seconds, peak = _child(code, env)
        results[name] = {"seconds": seconds, "peak_mb": peak}
    direct_total = sum(v["seconds"] for k, v in results.items() if k != "generate")

    parse_code = "from pipelines.orchestrate import load_dags; load_dags()"
    seconds, _ = _child(parse_code, env)
    results["dag_parse"] = {"seconds": seconds, "peak_mb": 0.0}

    airflow_env = {**env, "GOVDATA_WAREHOUSE": str(scratch / "airflow.duckdb")}
    _child("from pipelines.orchestrate import prepare_airflow; prepare_airflow()", airflow_env)
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "pipelines.cli", "run"], env=airflow_env, capture_output=True, text=True
    )
    through_airflow = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(done.stderr[-3000:])
    overhead = (through_airflow - direct_total) / direct_total * 100
    print(f"scale={args.scale}")
    print(f"{'stage':<18}{'seconds':>10}{'peak MB':>10}")
    for name, values in results.items():
        print(f"{name:<18}{values['seconds']:>10.2f}{values['peak_mb']:>10.0f}")
    print(f"direct total      {direct_total:>10.2f}")
    print(f"govdata run       {through_airflow:>10.2f}   (Airflow overhead {overhead:+.1f}%)")
    print(json.dumps({"scale": args.scale, "results": results, "direct_total": direct_total,
                      "airflow_total": through_airflow, "overhead_pct": overhead}))
    if not args.keep:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
