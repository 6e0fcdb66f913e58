"""What produced a report: the code version and the settings (a hash and what differs from the
defaults), so an auditor can tell whether two reports are comparable."""

from __future__ import annotations

import hashlib
import json
import subprocess
import tomllib
from importlib import metadata
from typing import Any

from pipelines.settings import DEFAULTS_FILE, Settings

_NOT_SETTINGS = {"root"}  # where the project sits on this machine, not a setting of the run


def code_version(settings: Settings) -> dict[str, str | None]:
    """The package version and, in a git checkout, the commit."""
    try:
        version: str | None = metadata.version("govdata")
    except metadata.PackageNotFoundError:
        version = None
    try:
        commit = subprocess.run(
            ["git", "-C", str(settings.root), "rev-parse", "HEAD"],
            capture_output=True, text=True, check=True, timeout=10,
        ).stdout.strip() or None
    except (OSError, subprocess.SubprocessError):
        commit = None
    return {"package": version, "commit": commit}


def _flat(value: Any, prefix: str = "") -> dict[str, Any]:
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for key, item in value.items():
            out.update(_flat(item, f"{prefix}{key}." if not prefix else f"{prefix}{key}."))
        return out
    return {prefix.rstrip("."): value}


def settings_values(settings: Settings) -> dict[str, Any]:
    return _flat(settings.model_dump(mode="json", exclude=_NOT_SETTINGS))


def default_values() -> dict[str, Any]:
    """The settings' defaults: the model's, overlaid with defaults.toml."""
    fields = {
        name: (str(info.default) if info.default is not None and not isinstance(info.default, int | str) else info.default)
        for name, info in Settings.model_fields.items()
        if name not in _NOT_SETTINGS and name != "county"
    }
    with DEFAULTS_FILE.open("rb") as handle:
        toml = tomllib.load(handle)
    county = toml.pop("county", {})
    from pipelines.settings import CountyProfile

    merged = {**fields, **toml, "county": CountyProfile.model_validate(county).model_dump(mode="json")}
    return _flat(merged)


def settings_provenance(settings: Settings) -> dict[str, Any]:
    """A SHA-256 of every setting and the settings that differ from the defaults."""
    values = settings_values(settings)
    defaults = default_values()
    text = json.dumps(values, sort_keys=True, ensure_ascii=False, default=str)
    changed = {
        key: {"value": value, "default": defaults.get(key)}
        for key, value in sorted(values.items())
        if str(defaults.get(key)) != str(value)
    }
    return {"sha256": hashlib.sha256(text.encode()).hexdigest(), "changed": changed}
