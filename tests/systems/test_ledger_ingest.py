"""The systems ledger as delivered: the new optional column 是否涉密 loads, a malformed ledger row
is quarantined like any other (file, row, column and reason named), and nothing is lost."""

from __future__ import annotations

from pathlib import Path

import duckdb
import openpyxl

from pipelines.contracts import get_contract
from pipelines.settings import Settings

FILE = "信息系统台账_20261025.xlsx"


def _ledger(path: Path, rows: list[list[object]], classified: bool = True) -> None:
    contract = get_contract("dashuju__information_system")
    header = [c.name_zh for c in contract.columns if classified or c.name != "classified"]
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "系统台账"
    sheet.append(header)
    for row in rows:
        sheet.append(row[: len(header)])
    path.parent.mkdir(parents=True, exist_ok=True)
    book.save(path)


def _row(code: str | None, name: str, classified: str = "") -> list[object]:
    return [code, name, "茌平区民政局", "", "自行运维", "2018.03.01", "政务云", "MySQL", "婚姻登记信息", "1200",
            "二级", "在用", "12.50", classified]


def test_malformed_ledger_row_is_quarantined_and_classified_loads(tmp_settings: Settings) -> None:
    from pipelines.ingest import ingest

    _ledger(tmp_settings.landing_path / "dashuju" / "2026-10-25" / FILE, [
        _row("XT0001", "婚姻登记系统", "否"),
        _row("XT0002" + "-旧编号" * 8, "编号超长系统"),  # 系统编号 holds at most 20 characters
        _row("XT0003", "涉密业务系统", "是"),
        _row("XT0004", "未填涉密系统", ""),
    ])
    ingest(tmp_settings)
    with duckdb.connect(str(tmp_settings.warehouse_path), read_only=True) as con:
        loaded = con.execute('select "系统编号", "是否涉密" from raw.dashuju__information_system order by 1').fetchall()
        bad = con.execute("select file, line, reason from raw.quarantine").fetchall()
        ledger = con.execute("select rows_read, rows_loaded, rows_quarantined from raw.ingest_ledger "
                             "where file like '%信息系统台账%'").fetchall()
    assert loaded == [("XT0001", "否"), ("XT0003", "是"), ("XT0004", None)]
    assert len(bad) == 1
    file, line, reason = bad[0]
    assert file.endswith(FILE) and line == "系统台账!3" and "系统编号" in reason, bad
    assert ledger == [(4, 3, 1)]


def test_a_ledger_without_the_optional_column_loads(tmp_settings: Settings) -> None:
    from pipelines.ingest import ingest

    _ledger(tmp_settings.landing_path / "dashuju" / "2026-10-25" / FILE, [_row("XT0001", "婚姻登记系统")],
            classified=False)
    ingest(tmp_settings)
    with duckdb.connect(str(tmp_settings.warehouse_path), read_only=True) as con:
        assert con.execute('select "系统编号" from raw.dashuju__information_system').fetchall() == [("XT0001",)]
