"""Where catalog entries come from: the marts' YAML `meta.catalog` (基础 and 主题 resources) and
the source contracts (部门 resources, one per `raw.<department>__<table>`).

The specs here hold what those sources say, unvalidated (a mart's YAML can say anything), so that
`rules.check` can name every resource and field that is wrong instead of stopping at the first.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml

from pipelines.catalog.classification import DEPARTMENT_TOPIC, classification_code, resource_code
from pipelines.catalog.errors import CatalogError
from pipelines.catalog.template import (
    contract_type_code,
    format_type_of,
    warehouse_type_code,
    warehouse_type_length,
)
from pipelines.contracts import SourceContract, all_contracts
from pipelines.contracts.schema import Column, ColumnType, Sensitivity
from pipelines.settings import PROJECT_ROOT

MARTS = PROJECT_ROOT / "dbt_project" / "models" / "marts"
OPEN_DATA_SCHEMA = "open_data"  # the open datasets' dbt models (models/open_data/, beside marts/)


@dataclass(frozen=True)
class ItemSpec:
    """One 信息项 (a column)."""

    name: str
    name_zh: str
    data_type: str | None
    length: int | None
    sensitivity: str
    sharing_type: str | None = None  # the item's own, where it differs from its resource's
    sharing_condition: str = ""
    open_attribute: str | None = None
    column_type: ColumnType = ColumnType.TEXT  # for masking
    column: str = ""  # its column in the warehouse table (raw keeps the delivered header), default `name`

    @property
    def warehouse_column(self) -> str:
        return self.column or self.name

    def as_column(self) -> Column:
        """The item as a contract Column, so that `mask()` treats it like any source column."""
        try:
            sensitivity = Sensitivity(self.sensitivity)
        except ValueError:
            sensitivity = Sensitivity.SENSITIVE  # unknown: the strictest
        return Column(name=self.name, name_zh=self.name_zh or self.name, type=self.column_type,
                      sensitivity=sensitivity)


@dataclass(frozen=True)
class ResourceSpec:
    """One catalog resource as its source declares it."""

    table: str  # qualified warehouse table: lib_population.person, raw.gongan__household_register
    origin: str  # the file it is declared in (for error messages)
    name: str
    category: str
    subject: str
    topic: str
    sequence: int | None
    provider: str  # department code
    summary: str
    format_class: str
    format_type: str
    sharing_type: str | None
    sharing_condition: str
    sharing_method: str | None
    open_attribute: str | None
    open_condition: str
    update_cycle: str | None
    related: tuple[str, ...]
    items: tuple[ItemSpec, ...] = field(default_factory=tuple)
    unknown_overrides: tuple[str, ...] = ()  # per-item attributes naming no column (a rule names them)

    @property
    def classification_code(self) -> str | None:
        return classification_code(self.category, self.subject, self.topic)

    @property
    def code(self) -> str | None:
        """信息资源代码, None when the classification or sequence is unknown (a rule names it)."""
        return resource_code(self.classification_code, self.sequence)

    @property
    def label(self) -> str:
        """How errors name the resource: its table and name."""
        return f"{self.table} ({self.name})"

    def item(self, name: str) -> ItemSpec | None:
        return next((i for i in self.items if i.name == name), None)


def contract_spec(contract: SourceContract) -> ResourceSpec:
    """A 部门信息资源 from a source contract."""
    sharing = contract.sharing
    format_class, format_type = format_type_of(contract.format)
    overrides = sharing.items if sharing else {}
    items = []
    for column in contract.columns:
        own = overrides.get(column.name)
        items.append(ItemSpec(
            name=column.name,
            name_zh=column.name_zh,
            data_type=contract_type_code(column.type),
            length=column.max_length,
            sensitivity=column.sensitivity.value,
            sharing_type=own.sharing_type.value if own and own.sharing_type else None,
            sharing_condition=own.condition if own else "",
            open_attribute=own.open_attribute.value if own and own.open_attribute else None,
            column_type=column.type,
            column=column.name_zh,  # raw tables keep the headers as delivered
        ))
    return ResourceSpec(
        table=contract.raw_table,
        origin=f"pipelines/contracts/{contract.department}.py",
        name=contract.table_zh,
        category="部门信息资源",
        subject=contract.department,
        topic=DEPARTMENT_TOPIC,
        sequence=sharing.sequence if sharing else None,
        provider=contract.department,
        summary=contract.description,
        format_class=format_class,
        format_type=format_type,
        sharing_type=sharing.sharing_type.value if sharing else None,
        sharing_condition=sharing.condition if sharing else "",
        sharing_method=sharing.method.value if sharing else None,
        open_attribute=sharing.open_attribute.value if sharing else None,
        open_condition=sharing.open_condition if sharing else "",
        update_cycle=contract.update_cycle.name_zh,
        related=(),
        items=tuple(items),
        unknown_overrides=tuple(n for n in overrides if n not in {c.name for c in contract.columns}),
    )


_TYPE_BY_NAME = (("id_number", ColumnType.ID_NUMBER), ("phone", ColumnType.PHONE),
                 ("uscc", ColumnType.CREDIT_CODE), ("credit_code", ColumnType.CREDIT_CODE))


def _mart_column_type(name: str) -> ColumnType:
    """What a mart's text column holds, for masking (marts have no contract types)."""
    for word, kind in _TYPE_BY_NAME:
        if name == word or name.endswith("_" + word) or name.startswith(word + "_") and not name.endswith("_source"):
            return kind
    return ColumnType.TEXT


def _zh_name(description: str) -> str:
    """The Chinese name a column's description starts with (up to the first space or bracket)."""
    text = (description or "").strip()
    for stop in (" (", " ", "("):
        if stop in text:
            text = text.split(stop)[0]
    return text


def mart_spec(path: Path, model: Mapping[str, Any]) -> ResourceSpec:
    """A 基础/主题 resource from a mart's YAML entry."""
    config = model.get("config") or {}
    meta = (config.get("meta") or {}).get("catalog") or {}
    parts = [p.strip() for p in str(meta.get("classification", "")).split("/")]
    category, subject, topic = (parts + ["", "", ""])[:3]
    items = []
    for column in model.get("columns") or []:
        cmeta = column.get("meta") or {}
        data_type = column.get("data_type")
        length = cmeta.get("length", warehouse_type_length(data_type))
        items.append(ItemSpec(
            name=column["name"],
            name_zh=str(cmeta.get("name_zh") or _zh_name(column.get("description", ""))),
            data_type=warehouse_type_code(data_type),
            length=int(length) if length is not None else None,
            sensitivity=str(cmeta.get("sensitivity", "")),
            sharing_type=cmeta.get("sharing_type"),
            sharing_condition=str(cmeta.get("sharing_condition", "") or ""),
            open_attribute=cmeta.get("open_attribute"),
            column_type=_mart_column_type(column["name"]) if warehouse_type_code(data_type) == "C" else ColumnType.TEXT,
        ))
    sequence = meta.get("sequence")
    format_class = str(meta.get("format", ""))
    return ResourceSpec(
        table=f"{config.get('schema', 'lib_' + path.parent.name)}.{model['name']}",
        origin=str(path.relative_to(PROJECT_ROOT)) if path.is_relative_to(PROJECT_ROOT) else str(path),
        name=str(meta.get("resource_name", "")),
        category=category,
        subject=subject,
        topic=topic,
        sequence=int(sequence) if isinstance(sequence, int) else None,
        provider=str(meta.get("provider", "")),
        summary=" ".join(str(model.get("description", "")).split()),
        format_class=format_class,
        format_type=str(meta.get("format_type") or ("DuckDB" if format_class == "数据库" else "")),
        sharing_type=meta.get("sharing_type"),
        sharing_condition=str(meta.get("sharing_condition", "") or ""),
        sharing_method=meta.get("sharing_method"),
        open_attribute=meta.get("open_attribute"),
        open_condition=str(meta.get("open_condition", "") or ""),
        update_cycle=meta.get("update_cycle"),
        related=tuple(str(r) for r in meta.get("related") or ()),
        items=tuple(items),
    )


YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
"""PyYAML's safe loader in libyaml's C implementation where PyYAML has it (the same documents,
about 7 times less CPU: the catalog, sharing and open data read the model YAML files, 150 kB,
several times per publish); the pure-Python one elsewhere."""


def mart_specs(marts: Path = MARTS) -> list[ResourceSpec]:
    """Every mart of every `marts/<library>/_<library>__models.yml`."""
    return [mart_spec(path, model) for path in sorted(marts.glob("*/_*__models.yml")) for model in _models(path)]


def _models(path: Path) -> list[dict]:
    """The `models` of a dbt YAML file; a file that is not YAML is refused by name."""
    try:
        document = yaml.load(path.read_text(encoding="utf-8"), Loader=YAML_LOADER) or {}
    except yaml.YAMLError as exc:
        reason = " ".join(str(exc).split())
        raise CatalogError([f"{path}: not valid YAML, its resources cannot be catalogued: {reason}"]) from None
    return list(document.get("models") or [])


def open_data_specs(folder: Path) -> list[ResourceSpec]:
    """Every open dataset of `models/open_data/_open_data__models.yml` (schema open_data): a
    catalog resource of its own, declared like a mart."""
    return [
        replace(mart_spec(path, model), table=f"{OPEN_DATA_SCHEMA}.{model['name']}")
        for path in sorted(folder.glob("_*__models.yml"))
        for model in _models(path)
    ]


def all_specs(contracts: Iterable[SourceContract] | None = None, marts: Path = MARTS) -> list[ResourceSpec]:
    """Every resource: the marts, the open datasets (beside the marts), then the department
    source tables, in a stable order."""
    chosen = all_contracts() if contracts is None else tuple(contracts)
    return [*mart_specs(marts), *open_data_specs(marts.parent / OPEN_DATA_SCHEMA), *(contract_spec(c) for c in chosen)]


def department_names(contracts: Iterable[SourceContract] | None = None) -> dict[str, str]:
    """Department code -> its Chinese name (from the contracts, their one home)."""
    chosen = all_contracts() if contracts is None else tuple(contracts)
    return {c.department: c.department_zh for c in chosen}
