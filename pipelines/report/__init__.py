"""The auditors' report: one offline page per run (`<reports>/<run id>/index.html`) with
`report.json` (the same numbers for machines) and `findings.xlsx` (findings and masked evidence).

Public API (the CLI and the `govdata_report` DAG call `run_report`):

- `run_report(settings, run_id=None, pdf=False) -> dict`: the report stage.
- `write_report(settings, run_id=None) -> dict`: the same without a `meta.runs` row.
- `build_report(con, context) -> Report`: the three files' bytes (for tests and tools).
- `resolve_run(con, settings, run_id=None) -> RunContext`: which run a report describes.
- `SECTIONS`: the sections in page order (heading, template block, query); see `_sections.py`.

The code lives in the private modules of this package.
"""

from pipelines.report._context import RunContext, resolve_run
from pipelines.report._run import Report, build_report, run_report, write_report
from pipelines.report._sections import NOT_RUN, SECTIONS, Section

__all__ = [
    "NOT_RUN",
    "SECTIONS",
    "Report",
    "RunContext",
    "Section",
    "build_report",
    "resolve_run",
    "run_report",
    "write_report",
]
