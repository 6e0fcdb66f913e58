"""Report: one self-contained HTML page for auditors about the run as of the as-of date.

It shows counts, outcomes and reasons, never personal data: any value drawn from a personal or
sensitive column goes through `mask()` before it is written.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import Any

import duckdb

from pipelines.build import library_tables
from pipelines.exports import write_atomically
from pipelines.settings import Settings
from pipelines.status import ingest_status, stage_status
from pipelines.warehouse import connect, record_stage, table_exists

_STYLE = """
body{font-family:"Noto Sans CJK SC","Microsoft YaHei",sans-serif;margin:2em;color:#222}
table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #bbb;padding:4px 8px}
th{background:#eef}h1{font-size:1.5em}h2{font-size:1.2em;margin-top:2em}.fail{color:#b00}
"""


def _table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    if not rows:
        return "<p>(none)</p>"
    head = "".join(f"<th>{html.escape(str(h))}</th>" for h in headers)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape('' if v is None else str(v))}</td>" for v in row) + "</tr>"
        for row in rows
    )
    return f"<table><tr>{head}</tr>{body}</table>"


def _quality_rows(con: duckdb.DuckDBPyConnection) -> list[tuple[Any, ...]]:
    if not table_exists(con, "dq.results"):
        return []
    return con.execute(
        """
        with latest as (
            select * from dq.results
            qualify evaluated_at = max(evaluated_at) over (partition by stage)
        )
        select dimension, count(*) as checks, count(*) filter (where not success) as failed,
               sum(element_count) as elements, sum(unexpected_count) as unexpected
        from latest group by dimension order by dimension
        """
    ).fetchall()


def _gate_rows(con: duckdb.DuckDBPyConnection) -> list[tuple[Any, ...]]:
    if not table_exists(con, "dq.gate"):
        return []
    return con.execute(
        """
        select library, status, failing_checks from dq.gate
        qualify row_number() over (partition by library order by evaluated_at desc) = 1
        order by library
        """
    ).fetchall()


def build_report(settings: Settings) -> str:
    """The report's HTML."""
    stages = stage_status(settings)
    departments = ingest_status(settings)
    with connect(settings) as con:
        libraries = [
            (f"{schema}.{table}", con.execute(f'select count(*) from "{schema}"."{table}"').fetchone()[0])  # type: ignore[index]
            for schema, table in library_tables(con)
        ]
        quality = _quality_rows(con)
        gates = _gate_rows(con)
    published = sorted(p.name for p in settings.open_path.glob("*") if p.is_file()) if settings.open_path.exists() else []
    parts = [
        "<!doctype html><html lang='zh-CN'><head><meta charset='utf-8'>",
        f"<title>数据运行报告 {settings.as_of}</title><style>{_STYLE}</style></head><body>",
        f"<h1>{html.escape(settings.county.name)} 政务数据运行报告 (as of {settings.as_of})</h1>",
        "<h2>各阶段运行情况 Stages</h2>",
        _table(
            ["stage", "started (UTC)", "seconds", "rows in", "rows out", "outcome", "message"],
            [tuple(r.values()) for r in stages],
        ),
        "<h2>各部门数据接入 Ingest per department</h2>",
        _table(list(departments[0]) if departments else [], [tuple(r.values()) for r in departments]),
        "<h2>数据质量 Data quality by dimension (GB/T 36344)</h2>",
        _table(["dimension", "checks", "failed", "elements", "unexpected"], quality),
        "<h2>发布闸门 Publication gates</h2>",
        _table(["library", "status", "failing error checks"], gates),
        "<h2>基础库 Libraries</h2>",
        _table(["table", "rows"], libraries),
        "<h2>开放数据 Open data files</h2>",
        _table(["file"], [(name,) for name in published]),
        "</body></html>",
    ]
    return "\n".join(parts)


def run_report(settings: Settings) -> dict[str, str]:
    """Write `report_<as-of>.html` under the reports folder (same inputs, same bytes apart from
    the stage timings it quotes from meta.runs)."""
    with record_stage("report", settings) as run:
        page = build_report(settings)
        target = settings.reports_path / f"report_{settings.as_of.isoformat()}.html"
        write_atomically(target, page.encode("utf-8"))
        run.rows_out = 1
    return {"report": str(target)}
