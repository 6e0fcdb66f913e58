"""Settings: defaults from one file, GOVDATA_* overrides, one-line errors naming the setting."""

from __future__ import annotations

import subprocess
import sys
from datetime import date

import pytest

from pipelines.errors import SettingsError
from pipelines.settings import Scale, get_settings, load_settings


def test_defaults_are_chiping_as_of_2026_11_01(monkeypatch: pytest.MonkeyPatch) -> None:
    for var in ("GOVDATA_AS_OF", "GOVDATA_SCALE", "GOVDATA_COUNTY__CODE"):
        monkeypatch.delenv(var, raising=False)
    settings = load_settings()
    assert settings.as_of == date(2026, 11, 1)
    assert settings.scale is Scale.SMALL
    assert settings.county.code == "371503"
    assert {"371523", "371503"} <= set(settings.county.all_codes)
    assert settings.county.township_name("371503208") == "杨官屯乡"
    assert settings.warehouse_path.name == "govdata.duckdb"
    assert settings.warehouse_path.is_absolute()


def test_environment_overrides_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GOVDATA_AS_OF", "2027-02-01")
    monkeypatch.setenv("GOVDATA_SCALE", "county")
    monkeypatch.setenv("GOVDATA_SEED", "7")
    settings = get_settings()
    assert settings.as_of == date(2027, 2, 1)
    assert settings.scale is Scale.COUNTY
    assert settings.seed == 7
    # the townships of the profile survive an override of one nested field
    monkeypatch.setenv("GOVDATA_COUNTY__NAME", "测试区")
    assert get_settings().county.name == "测试区"
    assert len(get_settings().county.townships) == 14


@pytest.mark.parametrize(
    ("variable", "value"),
    [("GOVDATA_AS_OF", "2026-13-01"), ("GOVDATA_SCALE", "huge"), ("GOVDATA_SEED", "abc")],
)
def test_bad_value_names_the_setting(monkeypatch: pytest.MonkeyPatch, variable: str, value: str) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(SettingsError) as info:
        load_settings()
    message = str(info.value)
    assert variable in message
    assert value in message
    assert "\n" not in message


def test_cli_prints_one_line_without_traceback(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    env = {"GOVDATA_AS_OF": "2026-13-01", "GOVDATA_WAREHOUSE": str(tmp_path / "w.duckdb"), "PATH": ""}
    done = subprocess.run(
        [sys.executable, "-m", "pipelines.cli", "status"], env=env, capture_output=True, text=True
    )
    assert done.returncode == 1
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, done.stderr
    assert "GOVDATA_AS_OF" in lines[0]
    assert "Traceback" not in done.stderr
