"""Crafted ledgers and access logs for the systems library's rules, built once per module.

The staging tables the systems models read (`stg_dashuju__information_system`,
`stg_dashuju__access_log`), the owner crosswalk and the legal-entity library are written
straight into a scratch warehouse, then dbt builds only the systems models and their tests: a
rule is judged on exactly the rows a case states, in seconds rather than a whole county's chain.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pytest

from pipelines.settings import Settings, load_settings

AS_OF = date(2026, 11, 1)
SELECT = ["--select", "path:models/intermediate/systems path:models/marts/systems", "--no-write-json"]

LEDGER_COLUMNS = {
    "row_id": "varchar", "batch_id": "varchar", "source_file": "varchar", "source_line": "varchar",
    "delivery_date": "date", "is_current": "boolean", "extras": "varchar", "system_code": "varchar",
    "system_name": "varchar", "owner": "varchar", "owner_uscc": "varchar", "is_owner_uscc_valid": "boolean",
    "operator": "varchar", "launched": "date", "deployment": "varchar", "database": "varchar",
    "data_resources": "varchar", "records": "bigint", "protection_level": "varchar", "status": "varchar",
    "annual_cost": "decimal(38,6)", "classified": "boolean",
}
LOG_COLUMNS = {
    "row_id": "varchar", "batch_id": "varchar", "source_file": "varchar", "source_line": "varchar",
    "delivery_date": "date", "is_current": "boolean", "extras": "varchar", "log_id": "varchar",
    "accessed_at": "timestamp", "system_code": "varchar", "account": "varchar", "action": "varchar",
    "ip": "varchar", "result": "varchar",
}
ORGS = {"A": ("O1", "甲县公安局"), "B": ("O2", "甲县民政局"), "C": ("O3", "甲县大数据中心"), "D": ("O4", "甲县卫生健康局")}


@dataclass
class Crafted:
    """A ledger and its logs, written as staging rows."""

    ledger: list[dict[str, Any]] = field(default_factory=list)
    logs: list[dict[str, Any]] = field(default_factory=list)

    def system(self, code: str, name: str, owner: str, resources: str, *, launched: date | None = date(2016, 1, 1),
               records: int | None = 1000, status: str | None = "在用", deployment: str = "本地机房",
               level: str = "二级", classified: bool | None = None, cost: float = 10.0) -> None:
        line = len(self.ledger) + 2
        self.ledger.append({
            "row_id": f"dashuju__information_system:aaaaaaaaaaaa:系统台账!{line}", "batch_id": "b1",
            "source_file": "dashuju/2026-10-25/信息系统台账_20261025.xlsx", "source_line": f"系统台账!{line}",
            "delivery_date": date(2026, 10, 25), "is_current": True, "extras": None, "system_code": code,
            "system_name": name, "owner": ORGS[owner][1], "owner_uscc": None, "is_owner_uscc_valid": None,
            "operator": "自行运维", "launched": launched, "deployment": deployment, "database": "MySQL",
            "data_resources": resources, "records": records, "protection_level": level, "status": status,
            "annual_cost": cost, "classified": classified,
        })

    def access(self, code: str, when: datetime, account: str, action: str, result: str = "成功") -> None:
        n = len(self.logs) + 1
        self.logs.append({
            "row_id": f"dashuju__access_log:bbbbbbbbbbbb:{n + 1}", "batch_id": "b2",
            "source_file": f"dashuju/{when:%Y-%m}/访问日志.csv", "source_line": str(n + 1),
            "delivery_date": when.date(), "is_current": True, "extras": None, "log_id": f"L{n:09d}",
            "accessed_at": when, "system_code": code, "account": account, "action": action, "ip": "10.0.0.1",
            "result": result,
        })

    def every(self, code: str, start: date, end: date, step_days: int, accounts: list[str], actions: list[str]) -> None:
        """One access every step_days from start to end (inclusive), cycling accounts and actions."""
        day, i = start, 0
        while day <= end:
            self.access(code, datetime.combine(day, datetime.min.time()) + timedelta(hours=9),
                        accounts[i % len(accounts)], actions[i % len(actions)])
            day += timedelta(days=step_days)
            i += 1

    def write(self, con: duckdb.DuckDBPyConnection) -> None:
        for schema in ("staging", "er", "lib_legal_entity", "dq"):
            con.execute(f"create schema if not exists {schema}")
        for table, columns, rows in (("stg_dashuju__information_system", LEDGER_COLUMNS, self.ledger),
                                     ("stg_dashuju__access_log", LOG_COLUMNS, self.logs)):
            con.execute(f"create or replace table staging.{table} ({', '.join(f'{c} {t}' for c, t in columns.items())})")
            if rows:
                con.executemany(f"insert into staging.{table} values ({', '.join('?' for _ in columns)})",
                                [[r[c] for c in columns] for r in rows])
        con.execute("create or replace table lib_legal_entity.organization (org_id varchar, name varchar)")
        con.executemany("insert into lib_legal_entity.organization values (?, ?)", list(ORGS.values()))
        con.execute("create or replace table er.org_xref (source varchar, record_id varchar, org_id varchar)")
        by_name = {name: org for org, name in ORGS.values()}
        con.executemany("insert into er.org_xref values ('dashuju__information_system', ?, ?)",
                        [[r["row_id"] + "#owner", by_name[r["owner"]]] for r in self.ledger])


def build_systems(settings: Settings) -> None:
    """Build the systems models (and their dbt tests) on the crafted warehouse."""
    from pipelines.dbt import run_dbt
    from pipelines.systems import ensure_dispositions_table
    from pipelines.warehouse import connect

    with connect(settings) as con:
        ensure_dispositions_table(con)
    run_dbt(settings, "build", SELECT)


@pytest.fixture(scope="module")
def crafted_settings(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Settings]:
    base = tmp_path_factory.mktemp("systems")
    env = {"GOVDATA_WAREHOUSE": str(base / "govdata.duckdb"), "GOVDATA_LANDING": str(base / "landing"),
           "GOVDATA_TRUTH": str(base / "truth"), "GOVDATA_REPORTS": str(base / "reports"),
           "GOVDATA_OPEN_DIR": str(base / "open"), "GOVDATA_SHARE_DIR": str(base / "share"),
           "GOVDATA_AS_OF": AS_OF.isoformat(), "GOVDATA_DBT_TARGET": str(base / "dbt_target")}
    saved = {key: os.environ.get(key) for key in env}
    os.environ.update(env)
    try:
        yield load_settings()
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def query(path: Path, sql: str) -> list[tuple[Any, ...]]:
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute(sql).fetchall()
