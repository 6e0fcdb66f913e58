"""Crafted source contracts and helpers for the ingest tests (independent of the project's real
contracts, which other people are still writing)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import duckdb

from pipelines.contracts import (
    Column,
    ColumnType,
    DeliveryMode,
    SourceContract,
    UpdateCycle,
)

DEPT = "civil"
DELIVERY = "2026-10-01"

PEOPLE_COLUMNS = (
    Column(name="id_number", name_zh="身份证号", type=ColumnType.ID_NUMBER, required=True,
           max_length=18, aliases=("公民身份号码",)),
    Column(name="name", name_zh="姓名", required=True, max_length=10),
    Column(name="gender", name_zh="性别", max_length=2),
    Column(name="address", name_zh="住址", max_length=30, aliases=("户籍地址", "家庭住址")),
    Column(name="phone", name_zh="联系电话", max_length=20, aliases=("手机号码",)),
)
HEADER = [c.name_zh for c in PEOPLE_COLUMNS]


def _contract(table: str, pattern: str, fmt: str, **extra: Any) -> SourceContract:
    return SourceContract(
        department=DEPT,
        department_zh="民政局",
        table=table,
        table_zh=table,
        file_pattern=pattern,
        format=fmt,  # type: ignore[arg-type]
        delivery_mode=DeliveryMode.SNAPSHOT,
        update_cycle=UpdateCycle.MONTHLY,
        key=("id_number",) if "columns" not in extra else (),
        columns=extra.pop("columns", PEOPLE_COLUMNS),
        **extra,
    )


PEOPLE = _contract("people", r"^人员名单.*\.csv$", "csv")
PEOPLE_GBK = _contract("people_gbk", r"^低保对象.*\.csv$", "csv", encoding="gbk")
ROSTER = _contract("roster", r"^花名册.*\.xlsx$", "xlsx", sheets=("名单", "补充"))
EVENTS = _contract("events", r"^事件.*\.json$", "json")
LOGS = _contract("logs", r"^日志.*\.jsonl$", "jsonl")
PARCELS = _contract(
    "parcels",
    r"^地块.*\.geojson$",
    "geojson",
    columns=(
        Column(name="parcel_code", name_zh="地块编号", required=True, max_length=20),
        Column(name="owner", name_zh="权利人", max_length=20),
        Column(name="area", name_zh="面积", type=ColumnType.DECIMAL, max_length=20),
        Column(name="geometry", name_zh="几何", type=ColumnType.GEOMETRY),
    ),
)
CONTRACTS = (PEOPLE, PEOPLE_GBK, ROSTER, EVENTS, LOGS, PARCELS)


def install(monkeypatch: Any) -> None:
    """Make the crafted contracts the whole registry."""
    import pipelines.contracts as registry

    monkeypatch.setattr(registry, "all_contracts", lambda: CONTRACTS)


def person(i: int, **override: str) -> dict[str, str]:
    row = {
        "身份证号": f"3715031990{i:08d}",
        "姓名": f"张{i}",
        "性别": "1" if i % 2 else "2",
        "住址": f"振兴街道{i}号",
        "联系电话": f"138{i:08d}",
    }
    row.update(override)
    return row


def csv_text(rows: Iterable[dict[str, str]] | Iterable[list[str]], header: list[str] | None = None,
             delimiter: str = ",", newline: str = "\n") -> str:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator=newline)
    header = HEADER if header is None else header
    writer.writerow(header)
    for row in rows:
        writer.writerow([row.get(h, "") for h in header] if isinstance(row, dict) else row)
    return out.getvalue()


def deliver(landing: Path, name: str, content: bytes | str, *, day: str = DELIVERY,
            department: str = DEPT, encoding: str = "utf-8") -> Path:
    """Write a delivered file to `<landing>/<department>/<day>/<name>`."""
    path = landing / department / day / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content.encode(encoding) if isinstance(content, str) else content)
    return path


def query(warehouse: Path, sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(sql, params or []).fetchall()


def ledger(warehouse: Path) -> list[dict[str, Any]]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        cursor = con.execute("select * from raw.ingest_ledger order by seq")
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def latest(warehouse: Path, file_name: str) -> dict[str, Any]:
    """The latest ledger row of the file with this name."""
    rows = [r for r in ledger(warehouse) if r["file"].endswith("/" + file_name)]
    assert rows, f"no ledger row for {file_name}"
    return rows[-1]


def raw_rows(warehouse: Path, contract: SourceContract, where: str = "true") -> list[dict[str, Any]]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        cursor = con.execute(f'select * from raw."{contract.source}" where {where} order by _file, _line')
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def quarantined(warehouse: Path, file_name: str | None = None) -> list[dict[str, Any]]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        cursor = con.execute("select * from raw.quarantine order by file, line")
        names = [d[0] for d in cursor.description]
        rows = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    return [r for r in rows if file_name is None or r["file"].endswith("/" + file_name)]


def check_ledger_invariants(warehouse: Path, file: str | None = None) -> None:
    """For every attempt (of `file`, or of all files) rows_read = loaded + quarantined +
    rejected, and for every current batch the rows in raw and in quarantine are exactly what
    the ledger says."""
    rows = ledger(warehouse)
    replaced = {r["replaces_batch_id"] for r in rows if r["replaces_batch_id"]}
    with duckdb.connect(str(warehouse), read_only=True) as con:
        for row in rows:
            if file is not None and row["file"] != file:
                continue
            assert row["rows_read"] == (
                row["rows_loaded"] + row["rows_quarantined"] + row["rows_rejected"]
            ), row
            if row["status"] not in ("loaded", "replaced"):
                assert row["rows_loaded"] == row["rows_quarantined"] == 0, row
                continue
            in_raw = con.execute(
                f'select count(*) from raw."{row["source_table"]}" where _batch_id = ?',
                [row["batch_id"]],
            ).fetchone()[0]
            in_quarantine = con.execute(
                "select count(*) from raw.quarantine where batch_id = ?", [row["batch_id"]]
            ).fetchone()[0]
            if row["batch_id"] in replaced:
                assert (in_raw, in_quarantine) == (0, 0), row
            else:
                assert (in_raw, in_quarantine) == (row["rows_loaded"], row["rows_quarantined"]), row
