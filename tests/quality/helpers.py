"""Small hand-made warehouses for the quality checks: staging tables shaped like the lead's
`staging.stg_*` models (lineage columns, then contract columns under their English names)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import duckdb

VALID_IDS = [
    "11010519491231002X",
    "440524188001010014",
    "150102198807303035",
    "33010219200403064X",
]


def household_rows(ids: list[str | None], file: str = "gongan/2026-10-01/户籍人口20261001.csv") -> list[dict[str, Any]]:
    """Rows of staging.stg_gongan__household_register, one per given ID number."""
    rows = []
    for line, number in enumerate(ids, start=2):
        rows.append(
            {
                "row_id": f"gongan__household_register:abcdef012345:{line}",
                "batch_id": "b1",
                "source_file": file,
                "source_line": str(line),
                "delivery_date": date(2026, 10, 1),
                "is_current": True,
                "extras": None,
                "id_number": number,
                "name": f"张{line}",
                "gender": "1",
                "ethnicity": "汉族",
                "birth_date": date(1980, 1, 1),
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
            }
        )
    return rows


def write_table(con: duckdb.DuckDBPyConnection, qualified: str, rows: list[dict[str, Any]]) -> None:
    import pandas as pd

    schema = qualified.split(".")[0]
    con.execute(f"create schema if not exists {schema}")
    frame = pd.DataFrame(rows)
    con.register("_rows", frame)
    con.execute(f"create or replace table {qualified} as select * from _rows")
    con.unregister("_rows")
