"""Benchmark: the findings rules against the generator's planted authenticity cases, and the cost.

Run by hand (results go into bench/README.md):

    .venv/bin/python bench/findings.py --scale small
    .venv/bin/python bench/findings.py --scale county

It generates a county of the given scale into a scratch folder, runs every stage before
findings (ingest, stage, check staging, resolve, build, check libraries: the stage functions the
DAGs call, timed) and then the findings stage, and compares the findings with the truth
(`authenticity_cases`): per rule 1-8, recall over the cases expected `flagged`, false alarms on
the near-misses (`not_flagged`), precision = hits / (hits + false alarms), and the findings on
neither (contradictions the generated county holds without a planted case: reported, not
counted as false alarms). A finding is matched to a case by its entity, translated to the truth's
ids through the evidence rows and the crosswalks (only this benchmark reads the truth).

Rule 9 (Benford and round-number screens) is judged as a screen: its false-alarm rate on the
generated county's amounts (naturally formed) and, on drawn samples, its false-alarm rate on
Benford-conforming amounts and its detection of fabricated amounts (first digits equally likely)
at a stated number of values.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import duckdb
import numpy as np
import polars as pl

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

PREPARE = ("generate", "ingest", "stage", "check_staging", "resolve", "build", "check_libraries")


def _stage(name: str, settings) -> None:  # noqa: ANN001
    if name == "generate":
        from pipelines.generator import generate

        generate(settings)
    elif name == "ingest":
        from pipelines.ingest import ingest

        ingest(settings)
    elif name == "stage":
        from pipelines.stage import run_stage

        run_stage(settings)
    elif name == "check_staging":
        from pipelines.quality import check_staging

        check_staging(settings)
    elif name == "resolve":
        from pipelines.resolve.stage import run_resolve

        run_resolve(settings)
    elif name == "build":
        from pipelines.build import run_build

        run_build(settings)
    elif name == "check_libraries":
        from pipelines.quality import check_libraries

        check_libraries(settings)


def _truth_entity_of_findings(con: duckdb.DuckDBPyConnection, truth: Path, run_id: str) -> pl.DataFrame:
    """(rule, finding_id, truth entity) of every finding of the run."""
    findings = con.execute("select finding_id, rule, entity_kind, entity_id, measured from dq.findings "
                           "where run_id = ? and status <> 'closed'", [run_id]).pl()
    person_records = pl.read_parquet(truth / "person_records.parquet")
    org_records = pl.read_parquet(truth / "org_records.parquet")
    persons = pl.read_parquet(truth / "persons.parquet", columns=["person_id", "household_id"])
    pxref = con.execute("select source, record_id, person_id as found_id from er.person_xref").pl()
    oxref = con.execute("select source, record_id, org_id as found_id from er.org_xref").pl()
    evidence = con.execute("select finding_id, role, record_id from dq.finding_evidence where run_id = ?", [run_id]).pl()

    def vote(xref: pl.DataFrame, records: pl.DataFrame, id_col: str) -> dict[str, str]:
        joined = xref.join(records.select("source", "record_id", pl.col(id_col).alias("true_id")),
                           on=["source", "record_id"])
        counts = joined.group_by("found_id", "true_id").len().sort("len", descending=True)
        return dict(counts.unique("found_id", keep="first").select("found_id", "true_id").iter_rows())

    person_map = vote(pxref, person_records, "person_id")
    org_map = vote(oxref, org_records, "org_id")
    household_of = dict(persons.iter_rows())
    residents = evidence.filter(pl.col("role") == "registered_resident").with_columns(
        record_id=pl.col("record_id") + "#self").join(
        person_records.select("record_id", "person_id"), on="record_id", how="inner")
    household_votes: dict[str, Counter] = {}
    for finding, person in residents.select("finding_id", "person_id").iter_rows():
        household_votes.setdefault(finding, Counter())[household_of.get(person)] += 1
    out = []
    for row in findings.iter_rows(named=True):
        kind, entity = row["entity_kind"], row["entity_id"]
        if row["rule"] == "allowance_eligibility" and json.loads(row["measured"])["kind"] != "property":
            # the planted cases and near-misses are about property; other conflicts are the county's own
            truth_id = f"{person_map.get(entity)}|{json.loads(row['measured'])['kind']}"
        elif kind == "person":
            truth_id = person_map.get(entity)
        elif kind == "org":
            truth_id = org_map.get(entity)
        elif kind == "household":
            votes = household_votes.get(row["finding_id"])
            truth_id = votes.most_common(1)[0][0] if votes else None
        elif kind == "area":
            measured = json.loads(row["measured"])
            truth_id = f"{entity}|{measured['indicator']}|{measured['period']}"
        else:
            truth_id = entity
        out.append({"rule": row["rule"], "finding_id": row["finding_id"], "truth_id": truth_id})
    return pl.DataFrame(out, schema={"rule": pl.String, "finding_id": pl.String, "truth_id": pl.String})


def accuracy(con: duckdb.DuckDBPyConnection, truth: Path, run_id: str) -> list[dict]:
    cases = pl.read_parquet(truth / "authenticity_cases.parquet").filter(pl.col("rule").is_not_null())
    found = _truth_entity_of_findings(con, truth, run_id)
    from pipelines.findings.rules import RULES

    rows = []
    for rule in RULES:
        if rule.code == "benford_screen":
            continue
        c = cases.filter(pl.col("rule") == rule.code)
        flagged = set(c.filter(pl.col("expected") == "flagged")["entity_id"].to_list())
        near = set(c.filter(pl.col("expected") == "not_flagged")["entity_id"].to_list()) - flagged
        hits_set = set(found.filter(pl.col("rule") == rule.code)["truth_id"].drop_nulls().to_list())
        findings = found.filter(pl.col("rule") == rule.code).height
        hits = len(hits_set & flagged)
        false = len(hits_set & near)
        rows.append({
            "rule": rule.code, "cases": len(flagged), "near_misses": len(near), "findings": findings,
            "hits": hits, "false_alarms": false,
            "recall": round(hits / len(flagged), 3) if flagged else None,
            "precision": round(hits / (hits + false), 3) if hits + false else None,
            "unplanned": len(hits_set - flagged - near),
        })
    return rows


def benford_samples(sizes: tuple[int, ...], draws: int = 20, seed: int = 7) -> list[dict]:
    """The screen's false alarms on conforming amounts, on natural amounts bunched within an order
    of magnitude (most bills alike, a few large ones: not Benford, and not to be screened), and
    its detection of fabricated amounts."""
    from datetime import date

    from pipelines.findings.rule import RuleContext
    from pipelines.findings.rules import rule_by_code

    rule = rule_by_code("benford_screen")
    rng = np.random.default_rng(seed)
    out = []
    for n in sizes:
        alarms = detected = bunched_alarms = 0
        for _ in range(draws):
            natural = np.round(10 ** rng.uniform(1, 6, n), 2)
            made_up = np.round(rng.uniform(1, 10, n) * 10.0 ** rng.integers(1, 5, n), 2)
            k = n * 85 // 100
            bunched = np.round(np.concatenate([10 ** rng.normal(3.4, 0.2, k), 10 ** rng.uniform(1, 6, n - k)]), 2)
            con = duckdb.connect()
            con.execute("create schema staging")
            con.execute("""create table staging.stg_shuiwu__monthly_tax (row_id varchar, source_file varchar,
                source_line varchar, period_start date, amount double)""")
            for year, values in ((2024, bunched), (2025, natural), (2026, made_up)):
                con.register("v", pl.DataFrame({"amount": values}))
                con.execute(f"insert into staging.stg_shuiwu__monthly_tax select 'r', 'f', '1', date '{year}-05-01', "
                            "amount from v")
                con.unregister("v")
            found = rule.detect(rule, RuleContext(con, date(2026, 11, 1)))
            years = {json.loads(m)["year"] for m in found.findings["measured"]} if found.findings.height else set()
            alarms += 2025 in years
            detected += 2026 in years
            bunched_alarms += 2024 in years
            con.close()
        out.append({"values": n, "false_alarm_rate": alarms / draws, "detection_rate": detected / draws,
                    "bunched_false_alarm_rate": bunched_alarms / draws})
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", default="small", choices=["tiny", "small", "county"])
    parser.add_argument("--workdir", type=Path, default=None, help="scratch folder (kept with --keep)")
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--reuse-landing", action="store_true",
                        help="keep the workdir's generated landing and truth (skip generate)")
    parser.add_argument("--no-checks", action="store_true",
                        help="skip the two check stages (the findings share is then of a shorter chain)")
    args = parser.parse_args()
    work = args.workdir or Path(tempfile.mkdtemp(prefix=f"bench-findings-{args.scale}-"))
    for key, sub in (("WAREHOUSE", "warehouse/govdata.duckdb"), ("LANDING", "landing"), ("TRUTH", "truth"),
                     ("REPORTS", "reports"), ("OPEN_DIR", "open"), ("DISPOSITIONS_DIR", "dispositions")):
        os.environ[f"GOVDATA_{key}"] = str(work / sub)
    os.environ["GOVDATA_SCALE"] = args.scale
    from pipelines.findings import run_findings
    from pipelines.runs import chain_scope
    from pipelines.settings import load_settings

    settings = load_settings()
    seconds: dict[str, float] = {}
    for name in PREPARE:
        if name == "generate" and args.reuse_landing and (settings.truth_path / "authenticity_cases.parquet").exists():
            continue
        if name.startswith("check_") and args.no_checks:
            continue
        started = time.perf_counter()
        _stage(name, settings)
        seconds[name] = round(time.perf_counter() - started, 1)
        print(f"{name:16s} {seconds[name]:8.1f} s   load {os.getloadavg()[0]:.1f}", flush=True)
    run_id = "bench-findings"
    started = time.perf_counter()
    with chain_scope(run_id):
        summary = run_findings(settings)
    seconds["findings"] = round(time.perf_counter() - started, 1)
    chain = sum(v for k, v in seconds.items() if k != "generate")
    print(f"{'findings':16s} {seconds['findings']:8.1f} s   load {os.getloadavg()[0]:.1f}   "
          f"{100 * seconds['findings'] / chain:.1f}% of the stages {', '.join(k for k in seconds if k != 'generate')} "
          f"({chain:.0f} s)")
    print(json.dumps({k: v for k, v in summary.items() if k.startswith("rule")}, ensure_ascii=False))
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as con:
        rows = accuracy(con, settings.truth_path, run_id)
        screened = con.execute("""select count(*) from dq.findings where run_id = ? and rule = 'benford_screen'""",
                               [run_id]).fetchone()[0]
        from pipelines.findings.rule import RuleContext
        from pipelines.findings.rules import rule_by_code

        benford = rule_by_code("benford_screen")
        note = benford.detect(benford, RuleContext.from_settings(con, settings)).note
    print("| rule | cases | near-misses | findings | hits | false alarms | recall | precision | unplanned |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for r in rows:
        print(f"| {r['rule']} | {r['cases']} | {r['near_misses']} | {r['findings']} | {r['hits']} | "
              f"{r['false_alarms']} | {r['recall']} | {r['precision']} | {r['unplanned']} |")
    print(f"benford_screen on the generated amounts: {screened} flagged ({note})")
    print("| values | false-alarm rate (conforming) | false-alarm rate (bunched natural) | detection rate (fabricated) |")
    print("| ---: | ---: | ---: | ---: |")
    for r in benford_samples((1000, 2000, 5000)):
        print(f"| {r['values']} | {r['false_alarm_rate']:.2f} | {r['bunched_false_alarm_rate']:.2f} | "
              f"{r['detection_rate']:.2f} |")
    print(f"load average {os.getloadavg()}")
    if not args.keep and args.workdir is None:
        shutil.rmtree(work, ignore_errors=True)
    else:
        print(f"kept {work}")


if __name__ == "__main__":
    main()
