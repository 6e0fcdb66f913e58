"""The report's sections, in page order: each is a heading, one template block (named by `key`
in `templates/sections.html.j2`) and one query function. A section whose tables do not exist yet
(its stage has not run, or has not been built) shows "未运行 not run yet" instead of failing.

Adding a section (a later stage's issue): write its query `(con, context) -> dict`, add its block
to `templates/sections.html.j2`, and add one `Section` here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import duckdb

from pipelines.report._context import RunContext
from pipelines.report._findings import REQUIRES as FINDINGS_TABLES
from pipelines.report._findings import findings_section
from pipelines.report._later import (
    CATALOG_TABLES,
    OPEN_DATA_TABLES,
    SYSTEMS_TABLES,
    catalog_section,
    open_data_section,
    systems_section,
)
from pipelines.report._quality import scores_section
from pipelines.report._reconciliation import reconciliation_section
from pipelines.report._summary import summary_section
from pipelines.report._trends import trends_section
from pipelines.warehouse import table_exists

NOT_RUN = "未运行 not run yet"


@dataclass(frozen=True)
class Section:
    """One section of the report."""

    key: str
    """Anchor on the page, template block name and key in report.json."""
    heading: str
    """Chinese first, then English."""
    query: Callable[[duckdb.DuckDBPyConnection, RunContext], dict[str, Any]]
    requires: tuple[str, ...] = ()
    """Tables the query reads; when one is missing the section is "not run yet"."""

    def collect(self, con: duckdb.DuckDBPyConnection, context: RunContext) -> dict[str, Any]:
        missing = [t for t in self.requires if not table_exists(con, t)]
        if missing:
            return {"status": "not_run", "missing": missing}
        return {"status": "ok", **self.query(con, context)}


SECTIONS: tuple[Section, ...] = (
    Section("summary", "摘要 Summary", summary_section),
    Section("scores", "质量评分 Scores", scores_section, ("dq.results",)),
    Section("trends", "趋势 Trends", trends_section, ("dq.results",)),
    Section("reconciliation", "核对 Reconciliation", reconciliation_section, ("raw.ingest_ledger",)),
    Section("findings", "发现 Findings", findings_section, FINDINGS_TABLES),
    Section("systems", "信息系统 Systems", systems_section, SYSTEMS_TABLES),
    Section("catalog", "目录与共享 Catalog and sharing", catalog_section, CATALOG_TABLES),
    Section("open_data", "开放数据 Open data", open_data_section, OPEN_DATA_TABLES),
)
