"""The open datasets: the dbt models of `dbt_project/models/open_data/` (schema `open_data`), each
a catalog resource of its own. Their catalog entry (名称, 代码, 提供方, 开放属性 ...) comes from the
built catalog; how they are released (`meta.open`: grain, geometry, suppression, definition) and
each column's published header, unit and definition from the same YAML, read here."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from pipelines.catalog.sources import OPEN_DATA_SCHEMA, YAML_LOADER, ResourceSpec
from pipelines.open_data.suppression import SuppressionRule

# Rows that are organisations, places, indicators or counts may be opened; rows that are natural
# persons never are (../shared/standards.md: record-level data about people is not opened).
OPEN_GRAINS = ("organisation", "place", "indicator", "aggregate")
OPEN_ATTRIBUTES_RELEASED = ("无条件开放", "有条件开放")


@dataclass(frozen=True)
class Column:
    """A published column: its header (中文名), type, unit and definition."""

    name: str
    name_zh: str
    data_type: str
    unit: str
    definition: str
    sensitivity: str
    open_attribute: str | None = None


@dataclass(frozen=True)
class OpenDataset:
    """One open dataset: its catalog entry and how it is released."""

    spec: ResourceSpec
    columns: tuple[Column, ...]
    grain: str | None
    geometry: Mapping[str, str] = field(default_factory=dict)
    suppression: SuppressionRule | None = None
    definition: str = ""

    @property
    def id(self) -> str:
        """The dataset's id: its catalog code with `/` replaced by `-` (its folder's name)."""
        return (self.spec.code or self.spec.table).replace("/", "-")

    @property
    def table(self) -> str:
        return self.spec.table

    @property
    def libraries(self) -> tuple[str, ...]:
        """The libraries it is built from (their quality gates decide whether it is released)."""
        return tuple(sorted({r.split(".")[0] for r in self.spec.related if r.startswith("lib_")}))

    @property
    def theme(self) -> str:
        return self.spec.topic

    def column(self, name: str) -> Column | None:
        return next((c for c in self.columns if c.name == name), None)


def _columns(model: Mapping[str, Any]) -> tuple[Column, ...]:
    out = []
    for column in model.get("columns") or []:
        meta = column.get("meta") or {}
        description = " ".join(str(column.get("description", "")).split())
        out.append(Column(
            name=column["name"],
            name_zh=str(meta.get("name_zh") or description.split(" ")[0] or column["name"]),
            data_type=str(column.get("data_type", "")),
            unit=str(meta.get("unit", "") or ""),
            definition=description,
            sensitivity=str(meta.get("sensitivity", "")),
            open_attribute=meta.get("open_attribute"),
        ))
    return tuple(out)


def load_datasets(folder: Path, specs: Mapping[str, ResourceSpec]) -> list[OpenDataset]:
    """The open datasets declared in `folder` (models/open_data), with their catalog specs
    (`specs`: table -> spec, from the built catalog); a model the catalog lacks is skipped."""
    datasets = []
    for path in sorted(folder.glob("_*__models.yml")):
        document = yaml.load(path.read_text(encoding="utf-8"), Loader=YAML_LOADER) or {}
        for model in document.get("models") or []:
            spec = specs.get(f"{OPEN_DATA_SCHEMA}.{model['name']}")
            if spec is None:
                continue
            meta = ((model.get("config") or {}).get("meta") or {}).get("open") or {}
            suppress = meta.get("suppress")
            datasets.append(OpenDataset(
                spec=spec,
                columns=_columns(model),
                grain=meta.get("grain"),
                geometry=dict(meta.get("geometry") or {}),
                suppression=SuppressionRule.from_meta(suppress) if suppress else None,
                definition=" ".join(str(meta.get("definition", "")).split()),
            ))
    return datasets
