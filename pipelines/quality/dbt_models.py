"""What the checks need to know about the dbt models, read from the dbt project's files.

The library tables are dbt models whose YAML documents them (description, columns, column
sensitivity in `meta`) and whose SQL names the models it reads (`ref(...)`). Reading the files
needs no dbt run and no manifest, so a check works on whatever the warehouse holds: the YAML gives
the accessibility checks (every library table documented) and the masking of library values; the
`ref` graph says which staging models feed each library, so that a library's gate counts the
error checks of the sources it is built from.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from pipelines.quality.declarations import SAFE_LOADER
from pipelines.settings import Settings

log = logging.getLogger(__name__)

_REF_RE = re.compile(r"""\{\{\s*ref\(\s*['"]([A-Za-z0-9_]+)['"]\s*\)\s*\}\}""")


@dataclass(frozen=True)
class ColumnDoc:
    name: str
    description: str
    sensitivity: str | None
    data_type: str | None
    tests: tuple[str, ...] = ()  # names of the column's dbt data tests (unique, not_null, ...)


@dataclass(frozen=True)
class ModelDoc:
    """One dbt model: where it lands, how it is documented and which models it reads."""

    name: str
    schema: str | None
    description: str
    columns: dict[str, ColumnDoc] = field(default_factory=dict)
    refs: frozenset[str] = frozenset()

    @property
    def documented(self) -> bool:
        return bool(self.description.strip())

    @property
    def library(self) -> str | None:
        """The library (its schema, `lib_population`) of a library table, None outside them."""
        if self.schema and self.schema.startswith("lib_"):
            return self.schema
        return None

    @property
    def qualified(self) -> str:
        return f"{self.schema}.{self.name}" if self.schema else self.name

    def key(self) -> tuple[str, ...]:
        """Columns with a dbt `unique` test (the table's key), else the first documented column."""
        unique = tuple(c.name for c in self.columns.values() if "unique" in c.tests)
        if unique:
            return unique[:1]
        return tuple(list(self.columns)[:1])


def dbt_project_dir(settings: Settings) -> Path:
    return settings.root / "dbt_project"


def _model_yaml_entries(models_dir: Path) -> dict[str, dict[str, Any]]:
    entries: dict[str, dict[str, Any]] = {}
    for path in sorted(models_dir.rglob("*.yml")):
        try:
            data = yaml.load(path.read_text(encoding="utf-8"), Loader=SAFE_LOADER) or {}
        except yaml.YAMLError as exc:
            # An unreadable YAML documents nothing: its models count as undocumented.
            log.warning("%s: not valid YAML, its models count as undocumented (%s)", path, exc)
            continue
        for model in data.get("models") or []:
            if isinstance(model, dict) and "name" in model:
                entries[model["name"]] = model
    return entries


def _test_names(column: dict[str, Any]) -> tuple[str, ...]:
    """Names of a column's dbt tests, whether written as `- unique` or `- unique: {...}`."""
    names = []
    for test in [*(column.get("data_tests") or []), *(column.get("tests") or [])]:
        if isinstance(test, str):
            names.append(test)
        elif isinstance(test, dict):
            names.extend(str(k) for k in test)
    for constraint in column.get("constraints") or []:
        if isinstance(constraint, dict) and constraint.get("type") in {"not_null", "unique"}:
            names.append(str(constraint["type"]))
    return tuple(dict.fromkeys(names))


def _column_docs(entry: dict[str, Any]) -> dict[str, ColumnDoc]:
    docs = {}
    for column in entry.get("columns") or []:
        meta = column.get("meta") or (column.get("config") or {}).get("meta") or {}
        docs[column["name"]] = ColumnDoc(
            name=column["name"],
            description=str(column.get("description") or ""),
            sensitivity=meta.get("sensitivity"),
            data_type=column.get("data_type"),
            tests=_test_names(column),
        )
    return docs


@lru_cache(maxsize=4)
def _read_models(models_dir: Path, stamp: float) -> dict[str, ModelDoc]:
    entries = _model_yaml_entries(models_dir)
    models: dict[str, ModelDoc] = {}
    for sql in sorted(models_dir.rglob("*.sql")):
        name = sql.stem
        entry = entries.get(name, {})
        config = entry.get("config") or {}
        models[name] = ModelDoc(
            name=name,
            schema=config.get("schema") or _folder_schema(models_dir, sql),
            description=str(entry.get("description") or ""),
            columns=_column_docs(entry),
            refs=frozenset(_REF_RE.findall(sql.read_text(encoding="utf-8"))),
        )
    return models


def _folder_schema(models_dir: Path, sql: Path) -> str | None:
    """`models/marts/<library>/x.sql` lands in `lib_<library>` unless its YAML says otherwise."""
    parts = sql.relative_to(models_dir).parts
    if len(parts) >= 3 and parts[0] == "marts":
        return f"lib_{parts[1]}"
    return None


def read_models(settings: Settings) -> dict[str, ModelDoc]:
    """Every dbt model of the project by name (re-read when a model file changes)."""
    models_dir = dbt_project_dir(settings) / "models"
    if not models_dir.exists():
        return {}
    stamp = max((p.stat().st_mtime for p in models_dir.rglob("*")), default=0.0)
    return _read_models(models_dir, stamp)


def library_models(settings: Settings) -> dict[str, ModelDoc]:
    """The models that land in a `lib_*` schema (the library tables), by name."""
    return {
        name: model
        for name, model in read_models(settings).items()
        if model.schema and model.schema.startswith("lib_")
    }


def upstream_sources(models: dict[str, ModelDoc], name: str) -> set[str]:
    """Sources (`<department>__<table>`) whose staging models a model reads, directly or not."""
    seen: set[str] = set()
    stack = [name]
    sources: set[str] = set()
    while stack:
        current = stack.pop()
        if current in seen:
            continue
        seen.add(current)
        if current.startswith("stg_"):
            sources.add(current.removeprefix("stg_"))
            continue
        model = models.get(current)
        if model is not None:
            stack.extend(model.refs)
    return sources
