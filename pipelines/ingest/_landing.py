"""Walking the landing folder: which files were delivered, by whom, when, and in what order.

The landing layout is `<department>/<delivery date YYYY-MM-DD>/<file>` (design.md). A file's
place in that tree is data too: the department folder picks the contracts, the delivery folder
gives the delivery date (deferred when after the as-of date), and the file name decides whether
it corrects an earlier file of the same delivery (`_更正`, `_v2`, `(1)`) or is a part of its own
(`_part1`, `_part2`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path, PurePosixPath

# Correction suffixes a department appends when it resends a file within the same delivery.
# Chinese markers may follow the name directly; `v<N>` needs a separator so that names that end
# in a letter and a digit are not misread as versions; `(N)` is what copying a file produces.
_CORRECTION = re.compile(
    r"(?:[\s_\-]*(?:更正版?|修正版?|修订版?)|[\s_\-]+[vV]\d+|\s*[(（]\d+[)）])$"
)
_DIGITS = re.compile(r"(\d+)")
_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")

# Operating-system and office litter that is never a delivery: Finder metadata, Office lock files.
_IGNORED_PREFIXES = (".", "~$")


def split_correction(name: str) -> tuple[str, bool]:
    """`(base name, is a correction)`: the file name with every correction suffix removed.

    The extension is kept, so `户籍人口_更正.csv` and `户籍人口.csv` share the base `户籍人口.csv`
    while `户籍人口.xlsx` does not. Suffixes can stack (`户籍人口_更正(1).csv`).

    Examples:
        >>> split_correction("户籍人口_v2.csv")
        ('户籍人口.csv', True)
        >>> split_correction("户籍人口_part2.csv")
        ('户籍人口_part2.csv', False)
    """
    path = PurePosixPath(name)
    stem, suffix = path.stem, path.suffix
    if not stem:  # a name such as ".csv": nothing to strip
        return name, False
    base = stem
    while True:
        stripped = _CORRECTION.sub("", base)
        if stripped == base or not stripped.strip(" _-"):
            break
        base = stripped
    return base + suffix, base != stem


def natural_key(text: str) -> tuple[tuple[int, int | str], ...]:
    """Sort key that orders `_v2` before `_v10` and `part2` before `part10`."""
    return tuple(
        (0, int(part)) if part.isdigit() else (1, part)
        for part in _DIGITS.split(text)
        if part
    )


def parse_delivery_date(folder: str) -> date | None:
    """The delivery date a folder name states, or None when the name is not a real date."""
    match = _DATE.match(folder)
    if not match:
        return None
    year, month, day = (int(g) for g in match.groups())
    try:
        return date(year, month, day)
    except ValueError:
        return None


@dataclass(frozen=True)
class DeliveredFile:
    """One file found in the landing folder and what its location says about it."""

    path: Path
    rel: str  # POSIX path relative to the landing folder: the `file` of ledger and raw rows
    department: str
    delivery_date: date | None
    problem: str | None  # why the file's location is not a valid delivery (then rejected)

    @property
    def name(self) -> str:
        return PurePosixPath(self.rel).name

    @property
    def folder(self) -> str:
        return str(PurePosixPath(self.rel).parent)

    @property
    def base(self) -> str:
        return split_correction(self.name)[0]

    @property
    def is_correction(self) -> bool:
        return split_correction(self.name)[1]

    def slot(self, source: str) -> tuple[str, str, str]:
        """Files sharing a slot replace each other: same delivery folder, source and base name."""
        return slot_of(self.rel, source)

    def rank(self) -> tuple[bool, tuple[tuple[int, int | str], ...]]:
        """Order within a slot: the original first, then corrections in name order."""
        return rank_of(self.rel)

    def sort_key(self) -> tuple[object, ...]:
        """Processing order: department, delivery date, folder, base name, then rank."""
        return (
            self.department,
            self.delivery_date or date.min,
            self.folder,
            natural_key(self.base),
            self.rank(),
        )


def slot_of(rel: str, source: str) -> tuple[str, str, str]:
    path = PurePosixPath(rel)
    return (str(path.parent), source, split_correction(path.name)[0].casefold())


def rank_of(rel: str) -> tuple[bool, tuple[tuple[int, int | str], ...]]:
    name = PurePosixPath(rel).name
    return (split_correction(name)[1], natural_key(name))


def is_ignored(name: str) -> bool:
    return name.startswith(_IGNORED_PREFIXES)


def department_folders(landing: Path) -> list[str]:
    """Department folders present in the landing folder, sorted."""
    if not landing.is_dir():
        return []
    return sorted(
        p.name for p in landing.iterdir() if p.is_dir() and not is_ignored(p.name)
    )


def walk_landing(landing: Path, departments: list[str] | None = None) -> list[DeliveredFile]:
    """Every delivered file under the landing folder (or under the named departments only),
    in processing order. Files outside `<department>/<date>/` are returned with a `problem`,
    so that they are recorded as rejected rather than silently skipped."""
    found: list[DeliveredFile] = []
    wanted = None if departments is None else set(departments)
    for entry in sorted(landing.iterdir()) if landing.is_dir() else []:
        if is_ignored(entry.name):
            continue
        if entry.is_file():
            if wanted is None:
                found.append(
                    DeliveredFile(entry, entry.name, "", None, "not in a department folder")
                )
            continue
        if wanted is not None and entry.name not in wanted:
            continue
        for path in sorted(entry.rglob("*")):
            if not path.is_file() or any(is_ignored(p) for p in path.relative_to(entry).parts):
                continue
            found.append(_delivered(landing, entry.name, path))
    return sorted(found, key=DeliveredFile.sort_key)


def _delivered(landing: Path, department: str, path: Path) -> DeliveredFile:
    rel = path.relative_to(landing).as_posix()
    parts = path.relative_to(landing / department).parts
    if len(parts) < 2:
        return DeliveredFile(path, rel, department, None,
                             "not in a delivery folder (<department>/<YYYY-MM-DD>/<file>)")
    delivered = parse_delivery_date(parts[0])
    if delivered is None:
        return DeliveredFile(path, rel, department, None,
                             f"delivery folder {parts[0]!r} is not a date (YYYY-MM-DD)")
    return DeliveredFile(path, rel, department, delivered, None)
