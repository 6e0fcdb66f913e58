"""The GOVDATA_* variables that put every folder of the settings under one base folder.

One list for the whole suite: `tmp_settings` (tests/conftest.py) exports it per test, the
fixtures that run the pipeline once per module or session (e2e, libraries, report) export it
around their run with `exported`. A folder the settings gain is added here once, and no test can
then write to the project's data/ folder through a variable a fixture forgot.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

# variable -> its path under the base folder
_FOLDERS = {
    "GOVDATA_WAREHOUSE": "warehouse/govdata.duckdb",
    "GOVDATA_LANDING": "landing",
    "GOVDATA_TRUTH": "truth",
    "GOVDATA_REPORTS": "reports",
    "GOVDATA_OPEN_DIR": "open",
    "GOVDATA_SHARE_DIR": "share",
    "GOVDATA_DISPOSITIONS_DIR": "dispositions",
    "GOVDATA_CATALOG_DIR": "catalog",
    "GOVDATA_REQUESTS_DIR": "requests",
    "GOVDATA_APPROVALS_DIR": "approvals",
    "GOVDATA_LOGS": "logs",
    "GOVDATA_LINEAGE_DIR": "lineage",
    "GOVDATA_SPARK__LAKE": "lake",
}


def govdata_env(base: Path, scale: str = "tiny") -> dict[str, str]:
    """Every GOVDATA_* path variable pointing under `base`, and the scale."""
    return {**{key: str(base / folder) for key, folder in _FOLDERS.items()}, "GOVDATA_SCALE": scale}


@contextmanager
def exported(env: Mapping[str, str]) -> Iterator[None]:
    """`env` in os.environ (so get_settings() and subprocesses see it) until the block ends,
    then the variables as they were. For fixtures wider than a test, where monkeypatch is not
    available."""
    saved = {key: os.environ.get(key) for key in env}
    os.environ.update(env)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
