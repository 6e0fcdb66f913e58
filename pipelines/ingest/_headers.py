"""Matching delivered headers to a contract's columns.

Departments rename, reorder, add and drop columns, and their exports add title rows above the
header. The header is found, not assumed: it is the row that names the most contract columns.
Matching is on a normalised form (NFKC, no whitespace, case-folded) of the column's delivered
name, its known aliases and its English name, so `公民身份号码 `, `身份证号码` and `ID_NUMBER`
all land in the same column. Templates also annotate their headers: a required mark
(`*姓名`, `姓名※`), a unit or format in brackets (`出生日期(yyyy-mm-dd)`, `面积（平方米）`,
`【性别】`), a trailing colon. A header that names no column as delivered is tried without
those, when that names exactly one column; a column delivered both plainly and annotated
(`联系电话`, `联系电话(备用)`) keeps the plain one.
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
# Marks and annotations around a header's name (on the normalised text: NFKC has already made
# full-width brackets, asterisks and colons ASCII). Brackets only at the end, one or several.
_MARKS = "*※★☆△▲●◆#:"
_ANNOTATION = re.compile(r"(?:\([^()]*\)|\[[^\[\]]*\]|【[^【】]*】|〔[^〔〕]*〕|<[^<>]*>)$")


def normalise_header(text: object) -> str:
    """The comparable form of a header cell."""
    if text is None:
        return ""
    cleaned = unicodedata.normalize("NFKC", str(text)).replace("\ufeff", "")
    return _SPACE.sub("", cleaned).strip("\"'").casefold()


def bare_header(normalised: str) -> str:
    """A normalised header without required marks, trailing bracketed annotations and colon:
    `*出生日期(yyyy-mm-dd):` -> `出生日期`."""
    previous = None
    text = normalised
    while text != previous:
        previous = text
        text = _ANNOTATION.sub("", text.strip(_MARKS)).strip(_MARKS)
    return text


class HeaderLookup(dict[str, str]):
    """Normalised header -> the column's `name_zh` (the raw table's column name). A key not
    found as it is is looked up bare (see the module docstring), when its bare form belongs to
    one column only; `exact` tells the two apart."""

    def __init__(self, pairs: dict[str, str]) -> None:
        super().__init__(pairs)
        bare: dict[str, set[str]] = {}
        for key, target in pairs.items():
            bare.setdefault(bare_header(key), set()).add(target)
        self.bare = {k: next(iter(v)) for k, v in bare.items() if k and len(v) == 1}

    def get(self, key: str, default: str | None = None) -> str | None:  # type: ignore[override]
        found = super().get(key)
        if found is None:
            found = self.bare.get(bare_header(key))
        return default if found is None else found

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and self.get(key) is not None

    def exact(self, key: str) -> bool:
        return dict.__contains__(self, key)


def header_lookup(contract: SourceContract) -> HeaderLookup:
    """Normalised header -> the column's `name_zh`, for the contract's names and aliases."""
    lookup: dict[str, str] = {}
    for column in contract.columns:
        for header in (column.name_zh, *column.aliases, column.name):
            lookup.setdefault(normalise_header(header), column.name_zh)
    return HeaderLookup(lookup)


def header_score(cells: Sequence[object], lookup: HeaderLookup) -> int:
    """How many distinct contract columns a row names."""
    return len({t for t in map(lookup.get, map(normalise_header, cells)) if t is not None})


def find_header(rows: Sequence[Sequence[object]], lookup: HeaderLookup) -> tuple[int, int]:
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
    keeps its first copy (its first plain copy, when others are annotated) and sends the others
    to `_extras`; a header cell left blank gets the key `blank_key(position)`. Every such drift
    is described in `notes`.
    """
    lookup = header_lookup(contract)
    by_name = {c.name_zh: c for c in contract.columns}
    fields = ["" if c is None else str(c) for c in cells]
    normalised = [normalise_header(text) for text in fields]
    claims = [lookup.get(n) for n in normalised]
    # a plain header outranks an annotated one naming the same column, wherever it stands
    order = sorted(range(len(fields)), key=lambda i: (not lookup.exact(normalised[i]), i))
    taken: dict[str, int] = {}
    for index in order:
        target = claims[index]
        if target is not None and target not in taken:
            taken[target] = index
    targets: list[str | None] = []
    extra_keys: dict[int, str] = {}
    notes: list[str] = []
    for index, text in enumerate(fields):
        target = claims[index]
        if target is not None and taken[target] == index:
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
