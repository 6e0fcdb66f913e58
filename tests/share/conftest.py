"""A small warehouse for sharing: two department source tables with a few crafted rows, and
helpers to write request and approval files."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pytest
import yaml

from pipelines.catalog import build_catalog
from pipelines.catalog.sources import contract_spec
from pipelines.contracts import get_contract
from pipelines.settings import Settings

ROWS = {
    "gongan__household_register": [
        {"公民身份号码": "11010519491231002X", "姓名": "张小明", "性别": "1", "出生日期": "1949-12-31",
         "户号": "H001", "户籍地址": "山东省聊城市茌平区乐平铺镇前街村12号", "联系电话": "13812345678",
         "户籍状态": "正常", "行政区划代码": "371503101201"},
        {"公民身份号码": "440524188001010014", "姓名": "李四", "性别": "2", "出生日期": "1880-01-01",
         "户号": "H002", "户籍地址": "山东省聊城市茌平区振兴街道新华路3号", "联系电话": "13900001111",
         "户籍状态": "死亡", "行政区划代码": "371503001003"},
    ],
    "shichang__individual_business": [
        {"统一社会信用代码": "92371503MA3C0N0X1B", "字号名称": "茌平区小明便利店", "经营者姓名": "张小明",
         "经营者身份证号": "11010519491231002X", "登记状态": "存续", "联系电话": "13812345678"},
    ],
}


def code(source: str) -> str:
    found = contract_spec(get_contract(source)).code
    assert found is not None
    return found


def _create(con: duckdb.DuckDBPyConnection, source: str, rows: list[dict[str, str]], delivered: date) -> None:
    contract = get_contract(source)
    headers = [c.name_zh for c in contract.columns]
    con.execute("create schema if not exists raw")
    body = ", ".join(f'"{h}" varchar' for h in headers)
    con.execute(f"create or replace table raw.{source} ({body}, _delivery_date date)")
    for row in rows:
        con.execute(f"insert into raw.{source} values ({', '.join('?' * (len(headers) + 1))})",
                    [row.get(h) for h in headers] + [delivered])


class ShareEnv:
    def __init__(self, settings: Settings, con: duckdb.DuckDBPyConnection) -> None:
        self.settings, self.con = settings, con
        self.as_of = settings.as_of
        self.catalog = build_catalog(con, settings)
        self.runs = 0

    def request(self, request_id: str, requester: str, source: str, items: list[str], **extra: Any) -> Path:
        resource = source if "/" in source else code(source)  # a source name or a resource code
        body = {"request_id": request_id, "requester": requester, "resource": resource, "items": items,
                "purpose": "核对", "legal_basis": "《社会救助暂行办法》第十一条",
                "period": {"from": (self.as_of - timedelta(days=30)).isoformat(),
                           "to": (self.as_of + timedelta(days=30)).isoformat()}} | extra
        return self._write(self.settings.requests_path / f"{request_id}.yaml", body)

    def approval(self, department: str, request_id: str, **extra: Any) -> Path:
        body = {"request_id": request_id, "approver": "科长", "approved_on": (self.as_of - timedelta(days=5)).isoformat(),
                "condition": "用于核对", "period": {"from": (self.as_of - timedelta(days=5)).isoformat(),
                                                   "to": (self.as_of + timedelta(days=5)).isoformat()}} | extra
        return self._write(self.settings.approvals_path / department / f"{request_id}.yaml", body)

    @staticmethod
    def _write(path: Path, body: dict[str, Any]) -> Path:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(yaml.safe_dump(body, allow_unicode=True, sort_keys=False), encoding="utf-8")
        return path

    def share(self, held: set[str] | None = frozenset()) -> dict[str, Any]:  # type: ignore[assignment]
        """Decide every request; `held=None` asks dq.gate which libraries are held (as publish does)."""
        from pipelines.share.stage import share_with

        self.runs += 1
        return share_with(self.con, self.settings, self.catalog, f"run-{self.runs}",
                          held=None if held is None else set(held))

    def decisions(self) -> dict[str, tuple[str, str]]:
        rows = self.con.execute(
            "select request_id, status, reason from catalog.share_requests where run_id = ?", [f"run-{self.runs}"]
        ).fetchall()
        return {r: (s, reason) for r, s, reason in rows}


@pytest.fixture
def share_env(tmp_settings: Settings) -> Iterator[ShareEnv]:
    from pipelines.warehouse import connect

    # the project's own connection (its memory limit and spill folder): DuckDB refuses a second
    # connection in one process to a file already open with another configuration, and the CLI
    # commands the tests invoke in this process open it the project's way
    con = connect(tmp_settings)
    for source, rows in ROWS.items():
        _create(con, source, rows, tmp_settings.as_of - timedelta(days=10))
    yield ShareEnv(tmp_settings, con)
    con.close()
