"""Benchmark: time and peak memory of every stage, DAG parse time, and Airflow's overhead.

Run by hand (results go into bench/README.md):

    .venv/bin/python bench/stages.py --scale small

It generates a county of the given scale into a scratch folder (or reads an existing landing
folder: `--landing DIR --truth DIR`), runs the stage functions directly, then the same stages
through `govdata run` (Airflow, dag.test()) on a fresh warehouse, and prints a table with each
stage's wall-clock and CPU seconds (user + system, the stage's worker processes included), peak
memory (the maximum resident set size of each child process) and, at `county` scale, the stage
budgets of the Foundation issue. The load average is printed before and after: the machine is
shared, and wall-clock figures mean little without it.

`--rerun` runs every stage a second time on the same warehouse with no new delivery (what a
scheduled run finds most days) and `govdata run` a second time, and prints both runs side by
side (issue 22: a rerun takes at most 20% of a first run). `--no-airflow` leaves out the runs
through Airflow.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
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
    ("findings", "from pipelines.findings import run_findings; run_findings(s)"),
    ("publish", "from pipelines.publish import run_publish; run_publish(s)"),
    ("report", "from pipelines.report import run_report; run_report(s)"),
]


# seconds per stage on this 2-core machine at `county` scale (Foundation issue); the two check
# stages share one budget, as do publish and report
COUNTY_BUDGETS = {
    "ingest": 60.0,
    "stage": 45.0,
    "resolve": 120.0,
    "build": 45.0,
    "checks": 60.0,
    "publish + report": 30.0,
    "end to end": 360.0,
}
BUDGET_GROUPS = {"checks": ("check_staging", "check_libraries"), "publish + report": ("publish", "report")}


def _child(code: str, env: dict[str, str]) -> tuple[float, float, float]:
    """Run code in a fresh interpreter; (seconds, peak RSS in MB, CPU seconds incl. children)."""
    script = (
        "import resource, sys, time\n"
        "from pipelines.settings import load_settings\n"
        "def cpu():\n"
        "    a, b = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)\n"
        "    return a.ru_utime + a.ru_stime + b.ru_utime + b.ru_stime\n"
        "def main():\n"
        "    s = load_settings()\n"
        "    t, c = time.perf_counter(), cpu()\n"
        + "".join(f"    {line}\n" for line in code.split("; "))
        + "    print(time.perf_counter() - t)\n"
        "    print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)\n"
        "    print(cpu() - c)\n"
        "if __name__ == '__main__':\n"  # the check stages' worker processes re-import __main__
        "    main()\n"
    )
    # a script file, not `-c`: pyspark's connect package (imported by GX) exits the process when
    # it finds a main module without a file, taking it for a doctest run
    with tempfile.NamedTemporaryFile("w", suffix=".py", prefix="govdata-bench-", delete=False) as handle:
        handle.write(script)
    try:
        done = subprocess.run([sys.executable, handle.name], env=env, capture_output=True, text=True)
    finally:
        os.unlink(handle.name)
    if done.returncode != 0:
        raise SystemExit(f"failed: {code}\n{done.stderr[-3000:]}")
    lines = done.stdout.strip().splitlines()
    return float(lines[-3]), float(lines[-2]), float(lines[-1])


def _govdata_run(env: dict[str, str]) -> tuple[float, float]:
    """`govdata run` in a child process: (seconds, CPU seconds of the child and its children)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "pipelines.cli", "run"], env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(done.stderr[-3000:])
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return seconds, (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)


def _print_reruns(first: dict[str, dict[str, float]], again: dict[str, dict[str, float | str]]) -> None:
    """The first run and the rerun with nothing new, stage by stage."""
    print(f"{'stage':<18}{'first s':>10}{'CPU s':>10}{'rerun s':>10}{'CPU s':>10}{'load':>18}")
    for name, values in again.items():
        print(f"{name:<18}{first[name]['seconds']:>10.2f}{first[name]['cpu']:>10.2f}"
              f"{float(values['seconds']):>10.2f}{float(values['cpu']):>10.2f}{str(values['load']):>18}")
    total = sum(first[n]["seconds"] for n in again)
    total_cpu = sum(first[n]["cpu"] for n in again)
    rerun = sum(float(v["seconds"]) for v in again.values())
    rerun_cpu = sum(float(v["cpu"]) for v in again.values())
    print(f"{'total':<18}{total:>10.2f}{total_cpu:>10.2f}{rerun:>10.2f}{rerun_cpu:>10.2f}"
          f"   rerun {rerun / total:.1%} of the first ({rerun_cpu / total_cpu:.1%} CPU)")


def _load() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", default="small", choices=["tiny", "small", "county", "city"])
    parser.add_argument("--keep", action="store_true", help="keep the scratch folder")
    parser.add_argument("--landing", type=Path, help="an existing landing folder (skips generating)")
    parser.add_argument("--truth", type=Path, help="the truth folder of --landing")
    parser.add_argument("--rerun", action="store_true", help="run everything a second time, nothing new delivered")
    parser.add_argument("--no-airflow", action="store_true", help="only the direct stage calls")
    args = parser.parse_args()
    scratch = Path(tempfile.mkdtemp(prefix=f"govdata-bench-{args.scale}-"))
    env = {
        **os.environ,
        "GOVDATA_SCALE": args.scale,
        "GOVDATA_LANDING": str(args.landing or scratch / "landing"),
        "GOVDATA_TRUTH": str(args.truth or scratch / "truth"),
        "GOVDATA_REPORTS": str(scratch / "reports"),
        "GOVDATA_OPEN_DIR": str(scratch / "open"),
        "GOVDATA_SHARE_DIR": str(scratch / "share"),
        "GOVDATA_WAREHOUSE": str(scratch / "direct.duckdb"),
        "AIRFLOW_HOME": str(scratch / "airflow_home"),
    }
    load_before = _load()
    results: dict[str, dict[str, float]] = {}
    if args.landing is None:
        seconds, peak, cpu = _child("from pipelines.generator import generate; generate(s)", env)
        results["generate"] = {"seconds": seconds, "peak_mb": peak, "cpu": cpu}
    for name, code in STAGES:
        seconds, peak, cpu = _child(code, env)
        results[name] = {"seconds": seconds, "peak_mb": peak, "cpu": cpu, "load": _load()}
    direct_total = sum(v["seconds"] for k, v in results.items() if k != "generate")
    reruns: dict[str, dict[str, float | str]] = {}
    if args.rerun:
        for name, code in STAGES:
            seconds, peak, cpu = _child(code, env)
            reruns[name] = {"seconds": seconds, "peak_mb": peak, "cpu": cpu, "load": _load()}
        _print_reruns(results, reruns)
    if args.no_airflow:
        print(json.dumps({"scale": args.scale, "results": results, "reruns": reruns, "direct_total": direct_total,
                          "load_before": load_before, "load_after": _load()}))
        if not args.keep:
            shutil.rmtree(scratch, ignore_errors=True)
        return

    parse_code = "from pipelines.orchestrate import load_dags; load_dags()"
    seconds, _, _ = _child(parse_code, env)
    results["dag_parse"] = {"seconds": seconds, "peak_mb": 0.0, "cpu": 0.0}

    airflow_env = {**env, "GOVDATA_WAREHOUSE": str(scratch / "airflow.duckdb")}
    _child("from pipelines.orchestrate import prepare_airflow; prepare_airflow()", airflow_env)
    through_airflow, airflow_cpu = _govdata_run(airflow_env)
    if args.rerun:
        again, again_cpu = _govdata_run(airflow_env)
        print(f"govdata run: first {through_airflow:.2f} s ({airflow_cpu:.2f} CPU s), again with nothing new "
              f"{again:.2f} s ({again_cpu:.2f} CPU s): {again / through_airflow:.1%} ({again_cpu / airflow_cpu:.1%} CPU)")
    overhead = (through_airflow - direct_total) / direct_total * 100
    print(f"scale={args.scale}  load average before {load_before}, after {_load()}")
    print(f"{'stage':<18}{'seconds':>10}{'CPU s':>10}{'peak MB':>10}")
    for name, values in results.items():
        print(f"{name:<18}{values['seconds']:>10.2f}{values['cpu']:>10.2f}{values['peak_mb']:>10.0f}")
    print(f"direct total      {direct_total:>10.2f}")
    print(f"govdata run       {through_airflow:>10.2f}   (Airflow overhead {overhead:+.1f}%)")
    if args.scale == "county":
        print(f"{'budget':<18}{'seconds':>10}{'budget':>10}")
        for name, budget in COUNTY_BUDGETS.items():
            if name == "end to end":
                spent = direct_total
            else:
                spent = sum(results[stage]["seconds"] for stage in BUDGET_GROUPS.get(name, (name,)))
            print(f"{name:<18}{spent:>10.2f}{budget:>10.0f}  {'met' if spent <= budget else 'NOT met'}")
    print(json.dumps({"scale": args.scale, "results": results, "direct_total": direct_total,
                      "airflow_total": through_airflow, "overhead_pct": overhead, "load_before": load_before,
                      "load_after": _load()}))
    if not args.keep:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
