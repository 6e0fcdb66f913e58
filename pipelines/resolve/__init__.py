"""Entity resolution: one person, one organisation, across every department.

Public API (re-exported here; the code lives in the submodules):
    resolve_file(kind, input, output, truth=None) -> metrics dict | None
    resolve_persons(df) -> Resolution, resolve_orgs(df) -> Resolution
    run_resolve(settings) -> counts (the pipeline stage)
"""

from pipelines.resolve.api import resolve_file, resolve_orgs, resolve_persons
from pipelines.resolve.model import Resolution
from pipelines.resolve.stage import run_resolve

__all__ = ["Resolution", "resolve_file", "resolve_orgs", "resolve_persons", "run_resolve"]
