"""Data quality (GB/T 36344 dimensions) with Great Expectations: the staging and library checks,
their history in `dq.*`, and the publication gate of each library.

Great Expectations is imported only when checks run, so `gate_status` (asked by `govdata
publish`) stays light.
"""

from pipelines.quality.gate import gate_status
from pipelines.quality.stage import check_libraries, check_staging

__all__ = ["check_libraries", "check_staging", "gate_status"]
