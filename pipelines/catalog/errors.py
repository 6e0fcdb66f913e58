"""The catalog's error: its sources break its rules (the message lists every violation)."""

from __future__ import annotations

from collections.abc import Sequence

from pipelines.errors import GovdataError


class CatalogError(GovdataError):
    """The catalog's sources break its rules; the message lists every violation."""

    def __init__(self, violations: Sequence[str]) -> None:
        self.violations = list(violations)
        shown = "\n  ".join(self.violations[:50])
        more = f"\n  ... and {len(self.violations) - 50} more" if len(self.violations) > 50 else ""
        super().__init__(f"the resource catalog breaks {len(self.violations)} rule(s):\n  {shown}{more}")
