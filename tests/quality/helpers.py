"""Small hand-made warehouses for the quality tests: staging tables shaped like the lead's
`staging.stg_*` models (lineage columns, then contract columns under their English names, then
`is_<name>_valid` flags), raw tables with the delivered text, and a minimal dbt project
documenting one library table."""

from __future__ import annotations

import hashlib
import shutil
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from pipelines.contracts import get_contract
from pipelines.contracts.schema import ColumnType
from pipelines.settings import PROJECT_ROOT

VALID_IDS = [
    "11010519491231002X",
    "440524188001010014",
    "150102198807303035",
    "33010219200403064X",
]
REGISTER = "gongan__household_register"
REGISTER_FILE = "gongan/2026-10-01/户籍人口20261001.csv"
_FLAGGED = (ColumnType.ID_NUMBER, ColumnType.CREDIT_CODE, ColumnType.ORG_CODE, ColumnType.DIVISION_CODE)

PERSON_SQL = "select * from {{ ref('int_person_records_resolved') }}\n"
PERSON_YAML = """
version: 2
models:
  - name: person
    description: 人口基础库·人员. Grain: one row per resolved person.
    config:
      schema: lib_population
    columns:
      - name: person_id
        description: 人员标识
        meta: {sensitivity: internal}
        data_tests: [unique, not_null]
      - name: id_number
        description: 公民身份号码
        meta: {sensitivity: sensitive}
      - name: id_number_source
        description: 公民身份号码的来源
        meta: {sensitivity: internal}
      - name: name
        description: 姓名
        meta: {sensitivity: personal}
      - name: gender
        description: 性别
        meta: {sensitivity: personal}
      - name: birth_date
        description: 出生日期
        meta: {sensitivity: personal}
"""
RESOLVED_SQL = (
    "select * from {{ ref('int_person_records') }} "
    "join {{ ref('stg_gongan__household_register') }} using (x)\n"
)


def make_project(root: Path) -> Path:
    """A project root with the real `expectations/` (minus the sample's accepted baseline, so
    thresholds are the declared defaults) and a one-table dbt project."""
    shutil.copytree(PROJECT_ROOT / "expectations", root / "expectations")
    (root / "expectations" / "baseline.yaml").unlink(missing_ok=True)
    marts = root / "dbt_project" / "models" / "marts" / "population"
    marts.mkdir(parents=True)
    (marts / "person.sql").write_text(PERSON_SQL, encoding="utf-8")
    (marts / "_population__models.yml").write_text(PERSON_YAML, encoding="utf-8")
    inter = root / "dbt_project" / "models" / "intermediate"
    inter.mkdir(parents=True)
    (inter / "int_person_records_resolved.sql").write_text(RESOLVED_SQL, encoding="utf-8")
    return root


def make_ids(n: int, start: int = 1) -> list[str]:
    """`n` distinct valid 18-character ID numbers of Chiping residents born in the 1980s."""
    from pipelines.standards import id_check_char

    ids = []
    for i in range(start, start + n):
        body = f"371523198{i % 10}{(i % 12) + 1:02d}{(i % 28) + 1:02d}{i % 1000:03d}"
        ids.append(body + id_check_char(body))
    return ids


def source_rows(
    source: str, file: str, delivered: date, rows: list[dict[str, Any]], current: bool = True
) -> list[dict[str, Any]]:
    """Staging rows of a source: lineage (lines from 2), every contract column (None unless
    given), the validity flags, and the file's hash for the raw table."""
    contract = get_contract(source)
    sha = hashlib.sha256(file.encode()).hexdigest()
    out = []
    for line, values in enumerate(rows, start=2):
        row: dict[str, Any] = {
            "row_id": f"{source}:{sha[:12]}:{line}",
            "batch_id": "b1",
            "source_file": file,
            "source_line": str(line),
            "delivery_date": delivered,
            "is_current": current,
            "extras": None,
        }
        for column in contract.columns:
            row[column.name] = values.get(column.name)
            if column.type in _FLAGGED:
                row[f"is_{column.name}_valid"] = None
        row["_sha256"] = sha
        row["_delivered"] = values.get("_delivered", {})
        out.append(row)
    return out


def household_rows(
    ids: list[str | None], file: str = REGISTER_FILE, delivered: date = date(2026, 10, 1), current: bool = True
) -> list[dict[str, Any]]:
    """Clean household-register rows, one per ID number (gender and birth date agree with it)."""
    from pipelines.standards import id_birth_date, id_gender

    values = []
    for i, number in enumerate(ids):
        values.append(
            {
                "id_number": number,
                "name": f"张{i:03d}",
                "gender": (id_gender(number) if number else None) or "1",
                "ethnicity": "汉族",
                "birth_date": id_birth_date(number) if number else None,
                "household_no": f"H{i:05d}",
                "relation_to_head": "户主",
                "division_code": "371503101",
                "address": f"山东省聊城市茌平区乐平铺镇某村{i + 1}号",
                "marital_status": "已婚",
                "phone": f"138{i:08d}",
                "status": "正常",
                "registered_date": date(2000, 1, 1),
            }
        )
    return source_rows(REGISTER, file, delivered, values, current)


def write_table(con: duckdb.DuckDBPyConnection, qualified: str, rows: list[dict[str, Any]]) -> None:
    """(Re)create a table from rows of dicts."""
    schema = qualified.split(".")[0]
    con.execute(f"create schema if not exists {schema}")
    frame = pd.DataFrame(rows)
    con.register("_rows", frame)
    con.execute(f"create or replace table {qualified} as select * from _rows")
    con.unregister("_rows")


def write_source(con: duckdb.DuckDBPyConnection, source: str, rows: list[dict[str, Any]]) -> None:
    """Write a source's staging table and its raw table (the delivered text, by `name_zh`).

    The raw text is the staged value as text unless a row's `_delivered` maps a column to the
    text the department really sent.
    """
    contract = get_contract(source)
    staged = [{k: v for k, v in r.items() if not k.startswith("_")} for r in rows]
    write_table(con, f"staging.stg_{source}", staged)
    raw_rows = []
    for r in rows:
        raw = {c.name_zh: (None if r.get(c.name) is None else str(r[c.name])) for c in contract.columns}
        for name, text in r["_delivered"].items():
            raw[contract.column(name).name_zh] = text
        raw.update({"_batch_id": "b1", "_file": r["source_file"], "_sha256": r["_sha256"],
                    "_line": r["source_line"], "_delivery_date": str(r["delivery_date"]), "_extras": None})
        raw_rows.append(raw)
    write_table(con, contract.raw_table, raw_rows)


def write_register(con: duckdb.DuckDBPyConnection, rows: list[dict[str, Any]]) -> None:
    write_source(con, REGISTER, rows)
