"""Sharing between departments by the resource catalog (依据共享交换目录): requests in
`data/requests/`, the providers' approvals in `data/approvals/<department>/`, decisions in
`catalog.share_requests`, packages in `data/share/<consumer>/<request id>/` and every decision and
package in the append-only, hash-chained `catalog.share_log`.

Entry: `run_share(settings)` (`govdata share`; the publish stage calls `share_with`).
"""

from __future__ import annotations

from typing import Any

from pipelines.settings import Settings


def run_share(settings: Settings) -> dict[str, Any]:
    """`govdata share`: build the catalog (its rules checked) and decide every request by it."""
    from pipelines.catalog import publish_catalog
    from pipelines.share.stage import share_with
    from pipelines.warehouse import connect, record_stage

    with record_stage("share", settings) as run, connect(settings) as con:
        catalog, _ = publish_catalog(con, settings, run.chain_run_id)
        outcome = share_with(con, settings, catalog, run.chain_run_id)
        run.rows_out = outcome["packages"]
    return outcome


def catalog_summary(con: Any, run_id: str) -> dict[str, Any]:
    """See `pipelines.share.audit.catalog_summary` (the report's Catalog and sharing section)."""
    from pipelines.share.audit import catalog_summary as summary

    return summary(con, run_id)
