"""Small hand-made warehouses for the quality tests: staging tables shaped like the lead's
`staging.stg_*` models (lineage columns, then contract columns under their English names), raw
tables with the delivered text, and a minimal dbt project documenting one library table."""

from __future__ import annotations

import hashlib
import shutil
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from pipelines.contracts import get_contract
from pipelines.settings import PROJECT_ROOT

VALID_IDS = [
    "11010519491231002X",
    "440524188001010014",
    "150102198807303035",
    "33010219200403064X",
]
REGISTER = "gongan__household_register"
REGISTER_FILE = "gongan/2026-10-01/户籍人口20261001.csv"

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
RESOLVED_SQL = "select * from {{ ref('int_person_records') }} join {{ ref('stg_gongan__household_register') }} using (x)\n"


def make_project(root: Path) -> Path:
    """A project root with the real `expectations/` and a one-table dbt project."""
    shutil.copytree(PROJECT_ROOT / "expectations", root / "expectations")
    marts = root / "dbt_project" / "models" / "marts" / "population"
    marts.mkdir(parents=True)
    (marts / "person.sql").write_text(PERSON_SQL, encoding="utf-8")
    (marts / "_population__models.yml").write_text(PERSON_YAML, encoding="utf-8")
    inter = root / "dbt_project" / "models" / "intermediate"
    inter.mkdir(parents=True)
    (inter / "int_person_records_resolved.sql").write_text(RESOLVED_SQL, encoding="utf-8")
    return root


def household_rows(
    ids: list[str | None], file: str = REGISTER_FILE, delivered: date = date(2026, 10, 1), **overrides: Any
) -> list[dict[str, Any]]:
    """Rows of staging.stg_gongan__household_register, one per given ID number (lines from 2)."""
    sha = hashlib.sha256(file.encode()).hexdigest()
    rows = []
    for line, number in enumerate(ids, start=2):
        row = {
            "row_id": f"{REGISTER}:{sha[:12]}:{line}",
            "batch_id": "b1",
            "source_file": file,
            "source_line": str(line),
            "delivery_date": delivered,
            "is_current": True,
            "extras": None,
            "id_number": number,
            "name": f"张{line}",
            "gender": "1",
            "ethnicity": "汉族",
            "birth_date": None,
            "household_no": f"H{line:05d}",
            "relation_to_head": "户主",
            "division_code": "371503101",
            "address": "山东省聊城市茌平区乐平铺镇某村",
            "marital_status": "已婚",
            "phone": "13800000000",
            "status": "正常",
            "registered_date": date(2000, 1, 1),
            "is_id_number_valid": None,
            "is_division_code_valid": True,
            "_sha256": sha,
        }
        row.update({k: (v(line) if callable(v) else v) for k, v in overrides.items()})
        rows.append(row)
    return rows


def consistent(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Set each row's gender and birth date to what its ID number says (a clean register)."""
    from pipelines.standards import id_birth_date, id_gender

    for row in rows:
        if row["id_number"]:
            row["gender"] = id_gender(row["id_number"]) or row["gender"]
            row["birth_date"] = id_birth_date(row["id_number"])
    return rows


def write_table(con: duckdb.DuckDBPyConnection, qualified: str, rows: list[dict[str, Any]]) -> None:
    """(Re)create a table from rows of dicts."""
    schema = qualified.split(".")[0]
    con.execute(f"create schema if not exists {schema}")
    frame = pd.DataFrame(rows)
    con.register("_rows", frame)
    con.execute(f"create or replace table {qualified} as select * from _rows")
    con.unregister("_rows")


def write_register(con: duckdb.DuckDBPyConnection, rows: list[dict[str, Any]], delivered_text: dict[str, str] | None = None) -> None:
    """Write the staging table and the raw table (delivered text, by `name_zh`) of the register.

    `delivered_text` maps a contract column to a function-free override: {column: text} applies to
    every row; by default the raw text is the staged value as text.
    """
    contract = get_contract(REGISTER)
    staged = [{k: v for k, v in r.items() if k != "_sha256"} for r in rows]
    write_table(con, f"staging.stg_{REGISTER}", staged)
    raw_rows = []
    for r in rows:
        raw = {c.name_zh: (None if r.get(c.name) is None else str(r[c.name])) for c in contract.columns}
        for name, text in (delivered_text or {}).items():
            raw[contract.column(name).name_zh] = text
        raw.update({"_batch_id": "b1", "_file": r["source_file"], "_sha256": r["_sha256"],
                    "_line": r["source_line"], "_delivery_date": str(r["delivery_date"]), "_extras": None})
        raw_rows.append(raw)
    write_table(con, contract.raw_table, raw_rows)


def make_ids(n: int, start: int = 1) -> list[str]:
    """`n` distinct valid 18-character ID numbers of Chiping residents born in the 1980s."""
    from pipelines.standards import id_check_char

    ids = []
    for i in range(start, start + n):
        body = f"371523198{i % 10}{(i % 12) + 1:02d}{(i % 28) + 1:02d}{i % 1000:03d}"
        ids.append(body + id_check_char(body))
    return ids
