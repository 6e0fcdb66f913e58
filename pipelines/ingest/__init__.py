"""Ingest: every department file of the landing folder into `raw.*`, nothing lost.

Public API (the CLI, the Airflow DAG, `govdata status` and the report call these):

- `ingest(settings, landing=None, departments=None) -> IngestSummary`
- `list_departments(settings, landing=None) -> list[str]`
- `pending_deliveries(settings) -> list[PendingDelivery]`: new or changed files (the schedule's check)
- `department_report(con) -> list[dict]`
- `ensure_raw_table(con, contract)`: the raw table of a contract, created from the contract

The code lives in the private modules of this package; see `_stage.py` for the flow.
"""

from pipelines.ingest._changes import PendingDelivery, pending_deliveries
from pipelines.ingest._ledger import ensure_raw_table
from pipelines.ingest._stage import NO_CONTRACT, ingest, list_departments, match
from pipelines.ingest._summary import (
    DepartmentSummary,
    FileOutcome,
    IngestSummary,
    department_report,
)

__all__ = [
    "NO_CONTRACT",
    "PendingDelivery",
    "DepartmentSummary",
    "FileOutcome",
    "IngestSummary",
    "department_report",
    "ensure_raw_table",
    "ingest",
    "list_departments",
    "match",
    "pending_deliveries",
]
