"""A small crafted warehouse for the report's tests: two chain runs, one department source with a
correction that supersedes a file, a rejected and a deferred file, quality results, a gate, and
(optionally) findings with evidence and dispositions. Every number is known here."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import duckdb

from pipelines.contracts import get_contract
from pipelines.ingest._ledger import ensure_raw_table, ensure_tables as ensure_ingest_tables
from pipelines.quality.store import ensure_tables as ensure_dq_tables
from pipelines.report import RunContext
from pipelines.settings import Settings
from pipelines.warehouse import connect

SOURCE = "gongan__household_register"
RUN_A, RUN_B = "20261101T010000Z-aaaaaa", "20261102T010000Z-bbbbbb"
T0 = datetime(2026, 11, 1, 1, 0, 0)  # naive UTC, as meta.runs holds it
# Ledger of run A: the first file (10 loaded, 3 quarantined) is replaced by its correction
# (8 loaded, 1 quarantined); one file is rejected, one deferred.
LEDGER = (
    (1, "gongan/2026-10-20/户籍人口.csv", "a" * 64, SOURCE, date(2026, 10, 20), "b1", "loaded", None, 13, 10, 3, 0, None),
    (2, "gongan/2026-10-20/户籍人口_更正.csv", "b" * 64, SOURCE, date(2026, 10, 20), "b2", "replaced", "b1", 9, 8, 1, 0, None),
    (3, "gongan/2026-10-21/坏文件.csv", "c" * 64, SOURCE, date(2026, 10, 21), None, "rejected", None, 5, 0, 0, 5, "header row missing"),
    (4, "gongan/2026-11-05/户籍人口.csv", "d" * 64, SOURCE, date(2026, 11, 5), None, "deferred", None, 0, 0, 0, 0,
     "delivered 2026-11-05, after the as-of date 2026-11-01"),
)


def stage_rows(chain: str, start: datetime, check_ids: tuple[str, str], findings: bool) -> list[tuple]:
    stages = ["ingest", "stage", "check_staging", "resolve", "build", "check_libraries"] + (["findings"] if findings else [])
    rows = []
    for i, stage in enumerate(stages):
        own = {"check_staging": check_ids[0], "check_libraries": check_ids[1]}.get(stage, f"{chain[-6:]}{stage}")
        began = start + timedelta(minutes=i)
        rows.append((own, stage, date(2026, 11, 1), began, began + timedelta(seconds=30), 30.0, 1, 1, "success", None, chain))
    return rows


def result(run_id: str, stage: str, suite: str, column: str, dimension: str, evaluated: int, unexpected: int,
           threshold: float = 1.0, department: str | None = "gongan", library: str | None = None,
           scope: str = "current", severity: str = "error") -> dict:
    ratio = unexpected / evaluated if evaluated else 0.0
    return {
        "run_id": run_id, "as_of": date(2026, 11, 1), "stage": stage, "suite": suite, "scope": scope,
        "table": suite, "column": column, "expectation": "expect_x", "check_id": f"{suite}.{column}.{dimension}",
        "rule": f"rule_{column}", "dimension": dimension, "indicator": "format compliance", "severity": severity,
        "threshold": threshold, "baseline_rate": None, "reason": "r", "department": department, "library": library,
        "source": SOURCE if department else None, "element_count": evaluated, "elements_evaluated": evaluated,
        "unexpected_count": unexpected, "ratio": ratio, "success": 1 - ratio >= threshold, "closes_gate": False,
        "evaluated_at": T0,
    }


def _insert(con: duckdb.DuckDBPyConnection, table: str, rows: list[dict]) -> None:
    for row in rows:
        columns = ", ".join(f'"{k}"' for k in row)
        con.execute(f"insert into {table} ({columns}) values ({', '.join('?' for _ in row)})", list(row.values()))


def craft(settings: Settings, findings: bool = True, second_run: bool = True) -> None:
    """Write the crafted warehouse at `settings.warehouse_path`."""
    with connect(settings) as con:
        runs = stage_rows(RUN_A, T0, ("csA", "clA"), findings)
        if second_run:
            runs += stage_rows(RUN_B, T0 + timedelta(days=1), ("csB", "clB"), findings)
        con.executemany("insert into meta.runs values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", runs)
        ensure_ingest_tables(con)
        for row in LEDGER:
            con.execute(
                "insert into raw.ingest_ledger (seq, file, sha256, department, source_table, delivery_date, batch_id, "
                "status, replaces_batch_id, rows_read, rows_loaded, rows_quarantined, rows_rejected, reason, "
                "started_at, finished_at) values (?, ?, ?, 'gongan', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [*row, T0, T0],
            )
        ensure_raw_table(con, get_contract(SOURCE))
        for line in range(2, 10):
            con.execute(
                f'insert into raw."{SOURCE}" (_batch_id, _file, _sha256, _line) values (?, ?, ?, ?)',
                ["b2", LEDGER[1][1], "b" * 64, str(line)],
            )
        con.execute(
            "insert into raw.quarantine values ('b2', 'gongan', ?, ?, '11', '公民身份号码', 'too long', ?)",
            [SOURCE, LEDGER[1][1], "张三,371503199001011234567,男"],
        )
        ensure_dq_tables(con)
        for check_staging, check_libraries, bad in (("csA", "clA", 30), ("csB", "clB", 10)):
            _insert(con, "dq.results", [
                result(check_staging, "staging", "stg_gongan__household_register", "id_number", "准确性", 1000, bad),
                result(check_staging, "staging", "stg_gongan__household_register", "name", "完整性", 1000, 0),
                result(check_staging, "staging", "stg_gongan__household_register", "old_id", "准确性", 500, 500,
                       scope="history"),
                result(check_libraries, "libraries", "lib_population__person", "birth_date", "时效性", 200, 50,
                       threshold=0.9, department=None, library="lib_population"),
            ])
            con.execute(
                "insert into dq.gate values (?, ?, 'lib_population', false, 'fail', ['lib_population__person.birth_date'], ?)",
                [check_libraries, date(2026, 11, 1), T0],
            )
        if findings:
            craft_findings(con, RUN_A, open_count=3)
            if second_run:
                craft_findings(con, RUN_B, open_count=2)


def craft_findings(con: duckdb.DuckDBPyConnection, run_id: str, open_count: int) -> None:
    """dq.findings etc. as INTERFACES fixes them: `open_count` findings of one rule, one closed."""
    con.execute(
        "create table if not exists dq.findings (run_id varchar, as_of date, finding_id varchar, rule varchar, "
        "rule_title varchar, dimension varchar, severity varchar, entity_kind varchar, entity_id varchar, "
        "summary varchar, amount double, measured varchar, status varchar, first_seen_run varchar)"
    )
    con.execute(
        "create table if not exists dq.finding_evidence (run_id varchar, finding_id varchar, role varchar, "
        "source varchar, record_id varchar, source_file varchar, line varchar, detail varchar)"
    )
    con.execute(
        "create table if not exists dq.finding_dispositions (finding_id varchar, disposition varchar, note varchar, "
        "decided_by varchar, decided_on date, recorded_at timestamp, origin varchar)"
    )
    con.execute(
        "create table if not exists dq.finding_rule_outcomes (run_id varchar, rule varchar, rule_title varchar, "
        "findings bigint, confirmed bigint, explained bigint, false_alarm bigint, precision double)"
    )
    for i in range(open_count):
        fid = f"f{i}"
        con.execute(
            "insert into dq.findings values (?, '2026-11-01', ?, 'benefits_after_death', '死亡后仍领取待遇', '准确性', "
            "?, 'person', ?, '张* 死亡后领取 3 个月', ?, '{}', ?, ?)",
            [run_id, fid, "high" if i == 0 else "medium", f"P{i:04d}", 1000.0 * (i + 1), "new" if i else "open", run_id],
        )
        con.execute(
            "insert into dq.finding_evidence values (?, ?, 'death', 'minzheng__death', ?, 'minzheng/2026-10-01/死亡.csv', ?, '2026-05-01 死亡')",
            [run_id, fid, f"minzheng__death:abcdefabcdef:{i + 2}", str(i + 2)],
        )
    con.execute(
        "insert into dq.findings values (?, '2026-11-01', 'fx', 'benefits_after_death', '死亡后仍领取待遇', '准确性', "
        "'low', 'person', 'P9999', '张* 已停发', null, '{}', 'closed', ?)",
        [run_id, run_id],
    )
    con.execute(
        "insert into dq.finding_rule_outcomes values (?, 'benefits_after_death', '死亡后仍领取待遇', ?, 1, 0, 1, 0.5), "
        "(?, 'payroll_ghosts', '空挂工资', 0, 0, 0, 0, null)",
        [run_id, open_count, run_id],
    )


def section(con: duckdb.DuckDBPyConnection, context: RunContext, key: str) -> dict[str, Any]:
    """One section's data, collected as the report does (`not_run` when its tables are missing)."""
    from pipelines.report import SECTIONS

    return next(s for s in SECTIONS if s.key == key).collect(con, context)
