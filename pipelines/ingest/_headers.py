"""Matching delivered headers to a contract's columns.

Departments rename, reorder, add and drop columns, and their exports add title rows above the
header. The header is found, not assumed: it is the row that names the most contract columns.
Matching is on a normalised form (NFKC, no whitespace, case-folded) of the column's delivered
name, its known aliases and its English name, so `公民身份号码 `, `身份证号码` and `ID_NUMBER`
all land in the same column.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from pipelines.contracts import SourceContract

# How far down a sheet or file the header may sit below title rows.
HEADER_SEARCH_ROWS = 50

_SPACE = re.compile(r"\s+")


def normalise_header(text: object) -> str:
    """The comparable form of a header cell."""
    if text is None:
        return ""
    cleaned = unicodedata.normalize("NFKC", str(text)).replace("\ufeff", "")
    return _SPACE.sub("", cleaned).strip("\"'").casefold()


def header_lookup(contract: SourceContract) -> dict[str, str]:
    """Normalised header -> the column's `name_zh` (the raw table's column name)."""
    lookup: dict[str, str] = {}
    for column in contract.columns:
        for header in (column.name_zh, *column.aliases, column.name):
            lookup.setdefault(normalise_header(header), column.name_zh)
    return lookup


def header_score(cells: Sequence[object], lookup: dict[str, str]) -> int:
    """How many distinct contract columns a row names."""
    return len({lookup[n] for n in map(normalise_header, cells) if n in lookup})


def find_header(rows: Sequence[Sequence[object]], lookup: dict[str, str]) -> tuple[int, int]:
    """`(index, score)` of the row naming the most contract columns (the first such row)."""
    best, best_score = -1, 0
    for index, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        score = header_score(row, lookup)
        if score > best_score:
            best, best_score = index, score
    return best, best_score


@dataclass
class HeaderMap:
    """Where each delivered field goes: a contract column, or `_extras` under a key."""

    fields: list[str]
    targets: list[str | None]  # per delivered field: the column's name_zh, or None (extra)
    extra_keys: dict[int, str]  # field index -> key in `_extras`
    missing_required: list[str]
    missing_optional: list[str]
    notes: list[str] = field(default_factory=list)

    @property
    def width(self) -> int:
        return len(self.fields)

    def mapped(self) -> dict[int, str]:
        return {i: t for i, t in enumerate(self.targets) if t is not None}


def map_header(
    cells: Sequence[object],
    contract: SourceContract,
    blank_key: Callable[[int], str] = lambda i: f"column_{i + 1}",
) -> HeaderMap:
    """Map a delivered header row onto the contract.

    Unknown columns are kept under their delivered name in `_extras`; a column delivered twice
    keeps its first copy and sends the second to `_extras`; a header cell left blank gets the key
    `blank_key(position)`. Every such drift is described in `notes`.
    """
    lookup = header_lookup(contract)
    by_name = {c.name_zh: c for c in contract.columns}
    fields = ["" if c is None else str(c) for c in cells]
    targets: list[str | None] = []
    extra_keys: dict[int, str] = {}
    notes: list[str] = []
    taken: set[str] = set()
    for index, text in enumerate(fields):
        target = lookup.get(normalise_header(text))
        if target is not None and target not in taken:
            taken.add(target)
            targets.append(target)
            if text.strip() != target:
                notes.append(f"column {text.strip()!r} read as {target!r}")
            continue
        targets.append(None)
        key = text.strip() or blank_key(index)
        while key in extra_keys.values() or key in by_name:
            key = f"{key}_{index + 1}"
        extra_keys[index] = key
        if target is not None:
            notes.append(f"column {target!r} delivered twice; copy {index + 1} kept in _extras")
    extras = [k for i, k in extra_keys.items() if fields[i].strip()]
    if extras:
        notes.append(f"unknown columns kept in _extras: {', '.join(extras)}")
    missing = [c for c in contract.columns if c.name_zh not in taken]
    missing_optional = [c.name_zh for c in missing if not c.required]
    if missing_optional:
        notes.append(f"optional columns missing, loaded as null: {', '.join(missing_optional)}")
    return HeaderMap(
        fields=fields,
        targets=targets,
        extra_keys=extra_keys,
        missing_required=[c.name_zh for c in missing if c.required],
        missing_optional=missing_optional,
        notes=notes,
    )
