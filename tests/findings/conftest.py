from __future__ import annotations

import pytest

from pipelines.settings import Settings
from tests.findings.crafted import Crafted


@pytest.fixture
def crafted(tmp_settings: Settings) -> Crafted:
    return Crafted(tmp_settings.warehouse_path)
