"""Authenticity findings: what one department says against what another says.

One entry function, `run_findings(settings)`, called by `govdata findings` and the
`govdata_findings` DAG. Rules live in `pipelines.findings.rules`, one module each.
"""

from pipelines.findings.stage import run_findings

__all__ = ["run_findings"]
