"""The information systems library's reviews: dispositions of zombie and shadow candidates.

`lib_systems` itself is built by dbt in the build stage (models/marts/systems); this package
keeps the one thing dbt cannot: the reviewers' decisions, appended to `dq.system_dispositions`
and read back by the next build, so a candidate kept with a reason is shown as kept and not
raised as new again.
"""

from pipelines.systems.dispositions import (
    DISPOSITIONS,
    Disposition,
    ensure_dispositions_table,
    record_disposition,
)

__all__ = ["DISPOSITIONS", "Disposition", "ensure_dispositions_table", "record_disposition"]
