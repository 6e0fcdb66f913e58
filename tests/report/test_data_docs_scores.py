"""The Data Docs' dimension-score table: every GB/T 36344 dimension a column, a score in every
cell that has checks, `—` (never `nan`) where a dimension has none, and the same scores as the
auditors' report computes from dq.results for the same check run."""

from __future__ import annotations

import re
from datetime import date
from types import SimpleNamespace

import pandas as pd

from pipelines.quality.declarations import DIMENSION_EN, DIMENSIONS, GatePolicy
from pipelines.quality.docs import _scores_pivot, _table, score_text
from pipelines.quality.store import append, ensure_tables, result_rows, score_rows
from pipelines.report import resolve_run
from pipelines.report._quality import scores_section
from pipelines.settings import Settings
from pipelines.warehouse import connect

AS_OF = date(2026, 11, 1)


def _outcome(department: str, library: str | None, dimension: str, evaluated: int, unexpected: int,
             scope: str = "current") -> SimpleNamespace:
    """A check outcome as the store reads it (suite, check, totals)."""
    rule = SimpleNamespace(expectation="expect_x", name=f"rule_{dimension}", dimension=dimension,
                           indicator="format compliance", severity="error", reason="r")
    check = SimpleNamespace(column="c", check_id=f"{department}.{dimension}.{evaluated}", rule=rule,
                            threshold=0.95, baseline_rate=None)
    suite = SimpleNamespace(stage="staging", name=f"stg_{department}", scope=scope, table=f"stg_{department}",
                            department=department, library=library, source=f"{department}__t")
    ratio = unexpected / evaluated if evaluated else 0.0
    return SimpleNamespace(suite=suite, check=check, elements=evaluated, evaluated=evaluated, unexpected=unexpected,
                           ratio=ratio, success=1 - ratio >= 0.95, closes_gate=lambda policy: False)


OUTCOMES = [
    _outcome("gongan", None, "准确性", 1000, 10),
    _outcome("gongan", None, "准确性", 500, 40),
    _outcome("gongan", None, "完整性", 200, 0),
    _outcome("gongan", None, "准确性", 300, 300, scope="history"),  # earlier deliveries: not scored
    _outcome("minzheng", None, "时效性", 400, 100),
    _outcome("minzheng", None, "一致性", 0, 0),  # nothing evaluated: no score
]


def test_the_scores_table_has_no_nan_and_every_dimension(tmp_settings: Settings) -> None:
    scores = score_rows("check1", AS_OF, "staging", OUTCOMES)
    table = _scores_pivot(scores)
    assert list(table.columns) == ["scope", "scope_name", *[f"{d} {DIMENSION_EN[d]}" for d in DIMENSIONS]]
    page = _table(table)
    assert "nan" not in page.lower()
    cells = dict(zip(table["scope_name"], table.to_dict("records"), strict=True))
    assert cells["gongan"]["准确性 accuracy"] == "96.7%"  # (990 + 460) / 1500
    assert cells["gongan"]["规范性 normativity"] == "—"
    assert cells["minzheng"]["一致性 consistency"] == "—"  # checks, but nothing evaluated
    assert _table(pd.DataFrame({"a": [float("nan")]})).count("—") == 1


def test_the_scores_table_agrees_with_the_report(tmp_settings: Settings) -> None:
    with connect(tmp_settings) as con:
        ensure_tables(con)
        append(con, "results", result_rows("check1", AS_OF, OUTCOMES, pd.Timestamp("2026-11-01 01:00"), GatePolicy()))
        con.execute("insert into meta.runs values ('check1', 'check_staging', ?, '2026-11-01 01:00:00', "
                    "'2026-11-01 01:01:00', 60, 0, 0, 'success', null, 'chain1')", [AS_OF])
        report = scores_section(con, resolve_run(con, tmp_settings))
    docs = _scores_pivot(score_rows("check1", AS_OF, "staging", OUTCOMES))
    for row in report["departments"]["rows"]:
        shown = docs[docs["scope_name"] == row["name"]].iloc[0]
        for cell in row["cells"]:
            assert shown[f"{cell['dimension']} {DIMENSION_EN[cell['dimension']]}"] == score_text(cell["score"])
    assert re.fullmatch(r"\d+\.\d%", score_text(0.5)) and score_text(None) == "—"
