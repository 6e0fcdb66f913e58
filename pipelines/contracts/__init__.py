"""Registry of source contracts: every module in this package named after a department defines
`CONTRACTS: list[SourceContract]`; they are discovered, not listed, so adding a department is
adding one module."""

from __future__ import annotations

import importlib
import pkgutil
from functools import lru_cache

from pipelines.contracts.schema import (
    Column,
    ColumnType,
    DeliveryMode,
    Party,
    Sensitivity,
    SourceContract,
    UpdateCycle,
)
from pipelines.errors import ContractError

__all__ = [
    "Column",
    "ColumnType",
    "DeliveryMode",
    "Party",
    "Sensitivity",
    "SourceContract",
    "UpdateCycle",
    "all_contracts",
    "get_contract",
    "contracts_for_department",
    "match_contract",
]

_NOT_DEPARTMENTS = {"schema"}


@lru_cache(maxsize=1)
def all_contracts() -> tuple[SourceContract, ...]:
    """Every contract of every department module, sorted by source name."""
    found: list[SourceContract] = []
    for info in pkgutil.iter_modules(__path__):
        if info.name in _NOT_DEPARTMENTS or info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        found.extend(getattr(module, "CONTRACTS", []))
    sources = [c.source for c in found]
    duplicates = {s for s in sources if sources.count(s) > 1}
    if duplicates:
        raise ContractError(f"source contracts defined twice: {sorted(duplicates)}")
    return tuple(sorted(found, key=lambda c: c.source))


def get_contract(source: str) -> SourceContract:
    """The contract of `<department>__<table>`."""
    for contract in all_contracts():
        if contract.source == source:
            return contract
    raise ContractError(f"no source contract named {source!r}")


def contracts_for_department(department: str) -> tuple[SourceContract, ...]:
    return tuple(c for c in all_contracts() if c.department == department)


def match_contract(department: str, file_name: str) -> SourceContract | None:
    """The contract a delivered file belongs to, by department folder and file-name pattern."""
    matches = [c for c in contracts_for_department(department) if c.matches(file_name)]
    if len(matches) > 1:
        names = ", ".join(c.source for c in matches)
        raise ContractError(f"{department}/{file_name} matches several contracts: {names}")
    return matches[0] if matches else None
