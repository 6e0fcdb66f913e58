"""Small-cell suppression with secondary suppression (statistical disclosure control).

A count from 1 to `open_min_count - 1` is left empty (primary suppression): in a cell of two
people each is close to named. That alone is not enough: a table states its totals, and a
suppressed cell that is the only unknown of a sum (a row's total and its parts, a column and
the county's total row) comes back by subtraction. So other cells of that sum are emptied too
(secondary suppression), the smallest non-zero one first (least information lost), until no sum
has exactly one empty cell; then the whole table is checked as a system of linear equations
(every sum at once, as an attacker would solve them) and more cells are emptied while any
suppressed value is still determined by the published ones. Zeros name nobody and are published.

Values computed from counts (a coverage rate) are emptied wherever one of their counts is.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import polars as pl

Cell = tuple[int, str]  # (row index, column)
SUPPRESSED_COLUMN = "suppressed"


@dataclass(frozen=True)
class SuppressionRule:
    """How a table's counts relate (from the dataset's `meta.open.suppress`)."""

    counts: tuple[str, ...]
    sums: tuple[tuple[str, tuple[str, ...]], ...] = ()
    """(total, parts): in every row, the total is the sum of the parts."""
    total_row: str | None = None
    """Boolean column marking the one row that sums every other row, column by column."""
    derived: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    """Column -> the counts it is computed from."""

    @classmethod
    def from_meta(cls, meta: Mapping[str, object]) -> SuppressionRule:
        sums = tuple((str(s["total"]), tuple(str(p) for p in s["parts"])) for s in meta.get("sums") or ())  # type: ignore[attr-defined,index]
        derived = {str(k): tuple(str(c) for c in v) for k, v in (meta.get("derived") or {}).items()}  # type: ignore[attr-defined]
        total_row = meta.get("total_row")
        return cls(counts=tuple(str(c) for c in meta.get("counts") or ()), sums=sums,  # type: ignore[attr-defined]
                   total_row=str(total_row) if total_row else None, derived=derived)


def equations(frame: pl.DataFrame, rule: SuppressionRule) -> list[list[Cell]]:
    """Every published sum as a list of cells, the total first."""
    out: list[list[Cell]] = []
    for row in range(frame.height):
        for total, parts in rule.sums:
            out.append([(row, total), *((row, p) for p in parts)])
    if rule.total_row:
        flags = frame.get_column(rule.total_row).fill_null(False).to_list()
        totals = [i for i, flag in enumerate(flags) if flag]
        if len(totals) == 1:
            others = [i for i in range(frame.height) if i != totals[0]]
            for column in rule.counts:
                out.append([(totals[0], column), *((i, column) for i in others)])
    return out


def _determined(cells: Sequence[Cell], eqs: Sequence[Sequence[Cell]], hidden: set[Cell]) -> list[Cell]:
    """The hidden cells whose value the published cells and the sums fix (linear algebra: the
    cell's unit vector lies in the row space of the sums restricted to the hidden cells)."""
    unknown = sorted(hidden)
    if not unknown:
        return []
    index = {cell: i for i, cell in enumerate(unknown)}
    rows = []
    for eq in eqs:
        vector = np.zeros(len(unknown))
        for position, cell in enumerate(eq):
            if cell in index:
                vector[index[cell]] = 1.0 if position else -1.0
        if vector.any():
            rows.append(vector)
    if not rows:
        return list(unknown)  # hidden cells in no sum are safe: nothing relates them
    matrix = np.array(rows)
    rank = np.linalg.matrix_rank(matrix)
    out = []
    for cell in unknown:
        unit = np.zeros(len(unknown))
        unit[index[cell]] = 1.0
        if np.linalg.matrix_rank(np.vstack([matrix, unit])) == rank:
            out.append(cell)
    return out


def _complement(eq: Sequence[Cell], hidden: set[Cell], values: Mapping[Cell, int | None]) -> Cell | None:
    """The cell to hide beside a lone hidden one: the smallest non-zero part, else a zero part,
    else the total."""
    parts = [c for c in eq[1:] if c not in hidden and values.get(c) is not None]
    positive = sorted((values[c], c) for c in parts if (values[c] or 0) > 0)  # type: ignore[operator]
    if positive:
        return positive[0][1]
    if parts:
        return sorted(parts)[0]
    total = eq[0]
    return total if total not in hidden and values.get(total) is not None else None


def suppressed_cells(frame: pl.DataFrame, rule: SuppressionRule, minimum: int) -> set[Cell]:
    """Primary and secondary suppression: the cells to leave empty."""
    values: dict[Cell, int | None] = {}
    for column in rule.counts:
        for row, value in enumerate(frame.get_column(column).to_list()):
            values[(row, column)] = None if value is None else int(value)
    hidden = {cell for cell, v in values.items() if v is not None and 1 <= v < minimum}
    eqs = equations(frame, rule)
    related = [eq for eq in eqs if all(c in values for c in eq)]
    for _ in range(len(values) + 1):
        changed = True
        while changed:
            changed = False
            for eq in related:
                if sum(c in hidden for c in eq) == 1:
                    extra = _complement(eq, hidden, values)
                    if extra is not None:
                        hidden.add(extra)
                        changed = True
        in_sums = {c for eq in related for c in eq}
        exposed = [c for c in _determined(list(values), related, hidden & in_sums) if c in in_sums]
        if not exposed:
            return hidden
        # hide one more cell of a sum holding an exposed one, and solve again
        cell = exposed[0]
        eq = next(e for e in related if cell in e and any(c not in hidden for c in e))
        extra = _complement([eq[0], *eq[1:]], hidden, values) or next(c for c in eq if c not in hidden)
        hidden.add(extra)
    raise AssertionError("suppression did not converge")  # every cell hidden converges first


def suppress(frame: pl.DataFrame, rule: SuppressionRule, minimum: int) -> tuple[pl.DataFrame, int]:
    """The table with its suppressed cells empty, values derived from them empty too, and a
    `suppressed` column marking the rows that lost a value (so empty never reads as zero);
    returns the table and how many count cells were suppressed."""
    hidden = suppressed_cells(frame, rule, minimum)
    by_column: dict[str, set[int]] = {}
    for row, column in hidden:
        by_column.setdefault(column, set()).add(row)
    rows_hit = sorted({row for row, _ in hidden})
    index = pl.int_range(pl.len())
    updates = [
        pl.when(index.is_in(sorted(rows))).then(None).otherwise(pl.col(column)).alias(column)
        for column, rows in by_column.items()
    ]
    for column, sources in rule.derived.items():
        rows = sorted(set().union(*(by_column.get(s, set()) for s in sources)))
        if rows:
            updates.append(pl.when(index.is_in(rows)).then(None).otherwise(pl.col(column)).alias(column))
    out = frame.with_columns(updates) if updates else frame
    return out.with_columns(index.is_in(rows_hit).alias(SUPPRESSED_COLUMN)), len(hidden)
