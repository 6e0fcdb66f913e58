"""Vectorised comparison functions: each turns a batch of record pairs into comparison levels.

recordlinkage's `Compare` calls Python once per pair, far too slow at county scale. Here every
column is first turned into integer codes over its dictionary of distinct values (`Columns`,
built once per run), so that exact agreement is a numpy comparison of two integer arrays, and
string similarity (rapidfuzz's `cpdist`, C++ and multi-threaded) is computed once per *distinct*
pair of values: names and addresses repeat, so that is far less work than once per pair.

Every comparison returns an Int8 level per pair: `-1` when either side is missing (the level
then carries no evidence), `0` for "different", and higher levels for closer agreement; the top
level is exact agreement. `labels[level]` says what each level means, for the audit trail.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import polars as pl
from rapidfuzz import process
from rapidfuzz.distance import OSA, Indel, JaroWinkler

MISSING = -1

Scorer = Callable[..., Any]

jaro_winkler: Scorer = JaroWinkler.normalized_similarity
"""Jaro-Winkler similarity (rapidfuzz, native), the usual choice for short names."""


class Columns:
    """The records' columns as integer codes, built lazily once per column (group) per run.

    `codes(*names)` gives one Int64 array per column over a *shared* dictionary of the columns'
    distinct values (-1 for null), so codes of different columns can be compared (a given name
    against a surname, one pinyin reading against another). `values(*names)` is that dictionary,
    kept as one Arrow-backed `pl.Series` rather than a Python list: at city scale the columns hold
    tens of millions of distinct values, and a list would make each one a separate `str` object
    (~50 bytes of overhead apiece, held for the whole run); scorers gather only the values of
    the distinct pairs they score.
    """

    def __init__(self, frame: pl.DataFrame) -> None:
        self.frame = frame
        self._codes: dict[tuple[str, ...], tuple[list[np.ndarray], pl.Series]] = {}
        self._ints: dict[tuple[str, int, int], np.ndarray] = {}

    def _build(self, names: tuple[str, ...]) -> tuple[list[np.ndarray], pl.Series]:
        if names not in self._codes:
            # Codes by 64-bit hash of the value (sort-based, no string sort or join); a
            # collision between two distinct values is astronomically unlikely at this scale.
            stacked = pl.concat([self.frame[n].cast(pl.String).rename("v") for n in names]).rechunk()
            present = stacked.is_not_null().to_numpy()
            hashes = stacked.hash(seed=5).to_numpy()
            arr = np.full(len(stacked), MISSING, dtype=np.int64)
            where = np.flatnonzero(present)
            _, inverse, first = unique_inverse(hashes[where])
            arr[where] = inverse
            values = stacked.gather(where[first]).rechunk()
            n = self.frame.height
            self._codes[names] = ([arr[i * n : (i + 1) * n] for i in range(len(names))], values)
        return self._codes[names]

    def codes(self, *names: str) -> list[np.ndarray]:
        return self._build(tuple(names))[0]

    def values(self, *names: str) -> pl.Series:
        return self._build(tuple(names))[1]

    def flags(self, name: str) -> np.ndarray:
        """A Boolean column as a numpy array (null = False)."""
        return self.frame[name].fill_null(False).to_numpy().astype(bool)

    def ints(self, name: str, start: int, length: int) -> np.ndarray:
        """An integer read from characters [start, start+length) of a text column (-1 if not)."""
        key = (name, start, length)
        if key not in self._ints:
            part = self.frame[name].str.slice(start, length).cast(pl.Int32, strict=False)
            self._ints[key] = part.fill_null(MISSING).to_numpy().astype(np.int64)
        return self._ints[key]


def sorted_unique(values: np.ndarray) -> np.ndarray:
    """Distinct values, sorted (sort-based: numpy 2's hash-based `np.unique` is far slower on
    millions of 64-bit keys)."""
    ordered = np.sort(values)
    return ordered[np.r_[True, ordered[1:] != ordered[:-1]]] if len(ordered) else ordered


def unique_inverse(values: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(distinct sorted values, index of each value's distinct entry, first position of each)."""
    order = np.argsort(values, kind="stable")
    ordered = values[order]
    new = np.r_[True, ordered[1:] != ordered[:-1]] if len(ordered) else np.zeros(0, dtype=bool)
    ids = np.cumsum(new) - 1
    inverse = np.empty(len(values), dtype=np.int64)
    inverse[order] = ids
    return ordered[new], inverse, order[new]


def code_similarity(
    lc: np.ndarray,
    rc: np.ndarray,
    values: pl.Series,
    scorer: Scorer,
    equal_score: float = 1.0,
    workers: int = -1,
) -> np.ndarray:
    """Score of each pair of coded strings, computed once per distinct pair of values.

    `scorer` must be one of rapidfuzz's native scorers (so `cpdist` stays in C++). Returns
    float64; NaN where either side is null; equal codes get `equal_score` without scoring.
    """
    out = np.full(len(lc), np.nan)
    present = (lc >= 0) & (rc >= 0)
    equal = present & (lc == rc)
    out[equal] = equal_score
    todo = np.flatnonzero(present & ~equal)
    if len(todo):
        lo = np.minimum(lc[todo], rc[todo])
        hi = np.maximum(lc[todo], rc[todo])
        distinct, inverse, _ = unique_inverse((lo << 32) | hi)
        a = values.gather(distinct >> 32).to_list()
        b = values.gather(distinct & 0xFFFFFFFF).to_list()
        scores = process.cpdist(a, b, scorer=scorer, workers=workers, dtype=np.float32)
        out[todo] = np.asarray(scores, dtype=np.float64)[inverse]
    return out


@dataclass(frozen=True)
class Comparison:
    """One comparison of the model (its levels become one `cmp_<name>` column).

    Attributes:
        name: the comparison's name (the audit column is `cmp_<name>`).
        labels: what each level 0..n-1 means; level -1 is "missing on either side".
        term_frequency: column whose value frequencies adjust the weight of an exact
            agreement (agreeing on a common value is weaker evidence than on a rare one).
        evidence: whether agreement here counts as evidence beyond the name (see engine).
    """

    name: str
    labels: tuple[str, ...]
    term_frequency: str | None = None
    evidence: bool = True

    @property
    def n_levels(self) -> int:
        return len(self.labels)

    def columns(self) -> tuple[str, ...]:
        """The record columns this comparison reads."""
        raise NotImplementedError

    def levels(self, cols: Columns, left: np.ndarray, right: np.ndarray) -> np.ndarray:
        raise NotImplementedError


def _missing(lc: np.ndarray, rc: np.ndarray) -> np.ndarray:
    return (lc < 0) | (rc < 0)


@dataclass(frozen=True)
class ExactMatch(Comparison):
    """Equal / different on one column."""

    column: str = ""
    labels: tuple[str, ...] = ("different", "exact")

    def columns(self) -> tuple[str, ...]:
        return (self.column,)

    def levels(self, cols: Columns, left: np.ndarray, right: np.ndarray) -> np.ndarray:
        (c,) = cols.codes(self.column)
        lc, rc = c[left], c[right]
        return np.where(_missing(lc, rc), MISSING, lc == rc).astype(np.int8)


def _threshold_levels(sim: np.ndarray, thresholds: Sequence[float]) -> np.ndarray:
    """0..k by ascending thresholds, k+1 for exact (sim == 1); -1 for NaN."""
    out = np.zeros(len(sim), dtype=np.int8)
    for rank, t in enumerate(sorted(thresholds)):
        out[sim >= t] = rank + 1
    out[sim >= 1.0] = len(thresholds) + 1
    out[np.isnan(sim)] = MISSING
    return out


@dataclass(frozen=True)
class StringSimilarity(Comparison):
    """Levels by similarity thresholds, exact agreement on top.

    With thresholds (0.95, 0.88) the levels are: 0 below 0.88, 1 >= 0.88, 2 >= 0.95, 3 exact.
    `alt_columns` are compared crosswise too (e.g. given name against surname, to catch swapped
    fields); the best score wins, a crosswise exact agreement counting just below exact.
    `scale` divides the scorer's output (100 for rapidfuzz's `fuzz` ratios).
    """

    column: str = ""
    thresholds: tuple[float, ...] = (0.92, 0.8)
    scorer: Scorer = jaro_winkler
    alt_columns: tuple[str, ...] = ()
    scale: float = 1.0
    labels: tuple[str, ...] = ()

    def columns(self) -> tuple[str, ...]:
        return (self.column, *self.alt_columns)

    def levels(self, cols: Columns, left: np.ndarray, right: np.ndarray) -> np.ndarray:
        group = self.columns()
        codes = dict(zip(group, cols.codes(*group), strict=True))
        values = cols.values(*group)
        main = codes[self.column]
        sim = code_similarity(main[left], main[right], values, self.scorer, self.scale) / self.scale
        for alt in self.alt_columns:
            other = codes[alt]
            cross = np.fmax(
                code_similarity(main[left], other[right], values, self.scorer, self.scale),
                code_similarity(other[left], main[right], values, self.scorer, self.scale),
            ) / self.scale
            cross = np.where(cross >= 1.0, 0.999, cross)
            sim = np.where(np.isnan(sim), sim, np.fmax(sim, cross))
        return _threshold_levels(sim, self.thresholds)


def string_similarity(
    name: str,
    column: str,
    thresholds: tuple[float, ...] = (0.92, 0.8),
    scorer: Scorer = jaro_winkler,
    term_frequency: str | None = None,
    alt_columns: tuple[str, ...] = (),
    evidence: bool = True,
    label: str = "similarity",
) -> StringSimilarity:
    """A `StringSimilarity` with readable level labels derived from its thresholds."""
    ordered = sorted(thresholds)
    labels = (f"{label} < {ordered[0]}",) + tuple(f"{label} >= {t}" for t in ordered) + ("exact",)
    return StringSimilarity(
        name=name,
        labels=labels,
        column=column,
        thresholds=tuple(thresholds),
        scorer=scorer,
        term_frequency=term_frequency,
        alt_columns=alt_columns,
        evidence=evidence,
    )


def char_ratio(name: str, column: str, thresholds: tuple[float, ...] = (0.9, 0.75), evidence: bool = True) -> StringSimilarity:
    """Character-level similarity (Indel ratio) for unsegmented Chinese text such as addresses."""
    return string_similarity(name, column, thresholds, Indel.normalized_similarity, evidence=evidence, label="ratio")


@dataclass(frozen=True)
class IdentifierMatch(Comparison):
    """Identifier numbers: exact, one keying slip (a substitution or adjacent transposition),
    two slips, or different.

    `valid_column` (Boolean) marks checksum-valid identifiers: two different valid identifiers are
    level 0 whatever their edit distance, because a valid check character rules out a slip.
    """

    column: str = ""
    valid_column: str | None = None
    labels: tuple[str, ...] = ("different", "two edits", "one edit", "exact")

    def columns(self) -> tuple[str, ...]:
        return (self.column,) if self.valid_column is None else (self.column, self.valid_column)

    def levels(self, cols: Columns, left: np.ndarray, right: np.ndarray) -> np.ndarray:
        (c,) = cols.codes(self.column)
        # optimal string alignment: a substitution or an adjacent transposition is one edit
        dist = code_similarity(c[left], c[right], cols.values(self.column), OSA.distance, equal_score=0.0)
        out = np.zeros(len(dist), dtype=np.int8)
        out[dist <= 2] = 1
        out[dist <= 1] = 2
        out[dist == 0] = 3
        if self.valid_column is not None:
            valid = cols.flags(self.valid_column)
            out[valid[left] & valid[right] & (out < 3)] = 0
        out[np.isnan(dist)] = MISSING
        return out


@dataclass(frozen=True)
class DateMatch(Comparison):
    """Dates as `YYYYMMDD` text: exact, day and month swapped, one component differs (a slip
    in day, month or year), within a year, different.

    `given_column`, when set, holds the date as delivered: a pair where neither side delivered
    one (both dates derived from the records' ID numbers) is missing here, because the ID
    comparison already weighs that evidence and counting it twice would overstate it.
    """

    column: str = ""
    given_column: str | None = None
    labels: tuple[str, ...] = (
        "different",
        "within a year",
        "one component differs",
        "day/month swapped",
        "exact",
    )

    def columns(self) -> tuple[str, ...]:
        return (self.column,) if self.given_column is None else (self.column, self.given_column)

    def levels(self, cols: Columns, left: np.ndarray, right: np.ndarray) -> np.ndarray:
        y, m, d = (cols.ints(self.column, s, n) for s, n in ((0, 4), (4, 2), (6, 2)))
        ya, yb, ma, mb, da, db = y[left], y[right], m[left], m[right], d[left], d[right]
        same = (ya == yb).astype(np.int8) + (ma == mb) + (da == db)
        out = np.zeros(len(left), dtype=np.int8)
        out[np.abs(ya - yb) <= 1] = 1
        out[same == 2] = 2
        out[(ya == yb) & (ma == db) & (da == mb) & (ma != mb)] = 3
        out[same == 3] = 4
        out[(ya < 0) | (yb < 0) | (ma < 0) | (mb < 0) | (da < 0) | (db < 0)] = MISSING
        if self.given_column is not None:
            (given,) = cols.codes(self.given_column)
            out[(given[left] < 0) & (given[right] < 0)] = MISSING
        return out


@dataclass(frozen=True)
class NameMatch(Comparison):
    """Chinese names: exact, same sound (any shared pinyin reading: homophones, heteronym
    surnames, characters the clerk misheard), similar spelling (Jaro-Winkler), different.

    `pinyin_columns` hold up to three readings per name (see `standardise.pinyin_slots`).
    """

    column: str = ""
    pinyin_columns: tuple[str, ...] = ()
    similar: float = 0.8
    similar_sound: float = 0.9
    labels: tuple[str, ...] = ("different", "similar spelling or sound", "same sound", "exact")

    def columns(self) -> tuple[str, ...]:
        return (self.column, *self.pinyin_columns)

    def levels(self, cols: Columns, left: np.ndarray, right: np.ndarray) -> np.ndarray:
        (c,) = cols.codes(self.column)
        sim = code_similarity(c[left], c[right], cols.values(self.column), jaro_winkler)
        out = np.zeros(len(sim), dtype=np.int8)
        out[sim >= self.similar] = 1
        if self.pinyin_columns:
            # close readings (wu lin / wu ling): a clerk's mishearing of the same name
            (p0,) = cols.codes(self.pinyin_columns[0])
            sound = code_similarity(p0[left], p0[right], cols.values(self.pinyin_columns[0]), jaro_winkler)
            out[(sound >= self.similar_sound) & (out < 1)] = 1
            readings = cols.codes(*self.pinyin_columns)
            sound = np.zeros(len(sim), dtype=bool)
            for a in readings:
                for b in readings:
                    sound |= (a[left] == b[right]) & (a[left] >= 0)
            out[sound] = 2
        out[sim >= 1.0] = 3
        out[np.isnan(sim)] = MISSING
        return out


@dataclass(frozen=True)
class PhoneMatch(Comparison):
    """Phone numbers: exact, same last seven digits (a landline with and without its area
    code, or one slip in the prefix), different."""

    column: str = ""
    tail_column: str = ""
    labels: tuple[str, ...] = ("different", "same last 7 digits", "exact")

    def columns(self) -> tuple[str, ...]:
        return (self.column, self.tail_column)

    def levels(self, cols: Columns, left: np.ndarray, right: np.ndarray) -> np.ndarray:
        (c,) = cols.codes(self.column)
        (t,) = cols.codes(self.tail_column)
        lc, rc = c[left], c[right]
        out = np.where(lc == rc, 2, np.where(t[left] == t[right], 1, 0)).astype(np.int8)
        out[_missing(lc, rc)] = MISSING
        return out


__all__ = [
    "MISSING",
    "Columns",
    "Comparison",
    "DateMatch",
    "ExactMatch",
    "IdentifierMatch",
    "NameMatch",
    "PhoneMatch",
    "StringSimilarity",
    "char_ratio",
    "code_similarity",
    "jaro_winkler",
    "string_similarity",
]
