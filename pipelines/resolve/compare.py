"""Vectorised comparison functions: each turns the two sides of a batch of pairs into levels.

recordlinkage's `Compare` calls Python once per pair, which is far too slow at county scale, so
the comparisons here work on whole columns: exact tests in Polars, string similarity with
rapidfuzz's `cpdist` (C++, multi-threaded) computed once per *distinct* pair of values (common
names and addresses repeat, so this is much less work than once per pair).

Every comparison returns an Int8 level per pair: `-1` when either side is missing (the level
then carries no evidence), `0` for "different", and higher levels for closer agreement; the top
level is exact agreement. `labels[level]` says what each level means, for the audit trail.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import polars as pl
from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA, Indel, JaroWinkler, Levenshtein

MISSING = -1

Scorer = Callable[..., float]


def _codes(left: pl.Series, right: pl.Series) -> tuple[np.ndarray, np.ndarray, pl.Series]:
    """Integer codes of both sides over their shared dictionary of distinct values (-1 = null)."""
    both = pl.concat([left, right]).rename("v")
    uniq = both.drop_nulls().unique(maintain_order=False).sort()
    lookup = pl.DataFrame({"v": uniq, "code": pl.int_range(uniq.len(), eager=True, dtype=pl.Int64)})
    coded = both.to_frame().join(lookup, on="v", how="left", maintain_order="left")["code"]
    arr = coded.fill_null(-1).to_numpy()
    return arr[: left.len()], arr[left.len() :], uniq


def pair_similarity(
    left: pl.Series,
    right: pl.Series,
    scorer: Scorer,
    workers: int = -1,
    equal_score: float = 1.0,
) -> np.ndarray:
    """Score of each pair of strings, computed once per distinct pair of values.

    `scorer` must be one of rapidfuzz's native scorers (so `cpdist` stays in C++). Returns
    float64; NaN where either side is null. Equal values get `equal_score` without calling the
    scorer.
    """
    lc, rc, uniq = _codes(left, right)
    out = np.full(len(lc), np.nan)
    present = (lc >= 0) & (rc >= 0)
    equal = present & (lc == rc)
    out[equal] = equal_score
    todo = present & ~equal
    if todo.any():
        lo = np.minimum(lc[todo], rc[todo])
        hi = np.maximum(lc[todo], rc[todo])
        packed = (lo << 32) | hi
        distinct, inverse = np.unique(packed, return_inverse=True)
        values = uniq.to_list()
        a = [values[i] for i in (distinct >> 32)]
        b = [values[i] for i in (distinct & 0xFFFFFFFF)]
        scores = process.cpdist(a, b, scorer=scorer, workers=workers, dtype=np.float32)
        out[todo] = np.asarray(scores, dtype=np.float64)[inverse]
    return out


jaro_winkler: Scorer = JaroWinkler.normalized_similarity
"""Jaro-Winkler similarity (rapidfuzz, native), the usual choice for short names."""


@dataclass(frozen=True)
class Comparison:
    """One column comparison of the model (its levels become one `cmp_<name>` column).

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

    def levels(self, left: pl.DataFrame, right: pl.DataFrame) -> np.ndarray:  # pragma: no cover
        raise NotImplementedError


def _as_int8(levels: np.ndarray) -> np.ndarray:
    return levels.astype(np.int8, copy=False)


@dataclass(frozen=True)
class ExactMatch(Comparison):
    """Equal / different on one column."""

    column: str = ""
    labels: tuple[str, ...] = ("different", "exact")

    def levels(self, left: pl.DataFrame, right: pl.DataFrame) -> np.ndarray:
        a, b = left[self.column], right[self.column]
        eq = (a == b).fill_null(False).to_numpy()
        missing = (a.is_null() | b.is_null()).to_numpy()
        return _as_int8(np.where(missing, MISSING, eq.astype(np.int8)))


@dataclass(frozen=True)
class StringSimilarity(Comparison):
    """Levels by similarity thresholds (descending), exact agreement on top.

    With thresholds (0.95, 0.88) the levels are: 0 below 0.88, 1 >= 0.88, 2 >= 0.95, 3 exact.
    `alt_columns` are compared crosswise too (e.g. given name against surname to catch swapped
    fields); the best score wins.
    """

    column: str = ""
    thresholds: tuple[float, ...] = (0.92, 0.8)
    scorer: Scorer = jaro_winkler
    alt_columns: tuple[str, ...] = ()
    labels: tuple[str, ...] = ()

    def levels(self, left: pl.DataFrame, right: pl.DataFrame) -> np.ndarray:
        sim = pair_similarity(left[self.column], right[self.column], self.scorer)
        for alt in self.alt_columns:
            cross = np.fmax(
                pair_similarity(left[self.column], right[alt], self.scorer),
                pair_similarity(left[alt], right[self.column], self.scorer),
            )
            sim = np.where(np.isnan(sim), sim, np.fmax(sim, np.where(cross >= 1.0, 0.999, cross)))
        return _threshold_levels(sim, self.thresholds, exact=True)


def _threshold_levels(sim: np.ndarray, thresholds: Sequence[float], exact: bool) -> np.ndarray:
    """0..k by descending thresholds, k+1 for exact (sim == 1) when `exact`; -1 for NaN."""
    out = np.zeros(len(sim), dtype=np.int8)
    for rank, t in enumerate(sorted(thresholds)):
        out[sim >= t] = rank + 1
    if exact:
        out[sim >= 1.0] = len(thresholds) + 1
    out[np.isnan(sim)] = MISSING
    return out


def string_similarity(
    name: str,
    column: str,
    thresholds: tuple[float, ...] = (0.92, 0.8),
    scorer: Scorer = jaro_winkler,
    term_frequency: str | None = None,
    alt_columns: tuple[str, ...] = (),
    evidence: bool = True,
) -> StringSimilarity:
    """A `StringSimilarity` with readable level labels derived from its thresholds."""
    ordered = sorted(thresholds)
    labels = (f"similarity < {ordered[0]}",) + tuple(f"similarity >= {t}" for t in ordered) + (
        "exact",
    )
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

    def levels(self, left: pl.DataFrame, right: pl.DataFrame) -> np.ndarray:
        a, b = left[self.column], right[self.column]
        # optimal string alignment: a substitution or an adjacent transposition is one edit
        dist = pair_similarity(a, b, OSA.distance, equal_score=0.0)
        out = np.zeros(len(dist), dtype=np.int8)
        out[dist <= 2] = 1
        out[dist <= 1] = 2
        out[dist == 0] = 3
        if self.valid_column is not None:
            both_valid = (
                (left[self.valid_column] & right[self.valid_column]).fill_null(False).to_numpy()
            )
            out[both_valid & (out < 3)] = 0
        out[np.isnan(dist)] = MISSING
        return out


@dataclass(frozen=True)
class DateMatch(Comparison):
    """Dates as `YYYYMMDD` text: exact, day and month swapped, one component differs (a slip
    in day, month or year), same year, different.
    """

    column: str = ""
    labels: tuple[str, ...] = (
        "different",
        "within a year",
        "one component differs",
        "day/month swapped",
        "exact",
    )

    def levels(self, left: pl.DataFrame, right: pl.DataFrame) -> np.ndarray:
        a, b = left[self.column], right[self.column]
        frame = pl.DataFrame({"a": a, "b": b})
        ya, ma, da = (pl.col("a").str.slice(0, 4), pl.col("a").str.slice(4, 2), pl.col("a").str.slice(6, 2))
        yb, mb, db = (pl.col("b").str.slice(0, 4), pl.col("b").str.slice(4, 2), pl.col("b").str.slice(6, 2))
        same = (ya == yb).cast(pl.Int8) + (ma == mb).cast(pl.Int8) + (da == db).cast(pl.Int8)
        year_gap = (ya.cast(pl.Int32, strict=False) - yb.cast(pl.Int32, strict=False)).abs()
        levels = frame.select(
            pl.when(pl.col("a").is_null() | pl.col("b").is_null())
            .then(MISSING)
            .when(pl.col("a") == pl.col("b"))
            .then(4)
            .when((ya == yb) & (ma == db) & (da == mb))
            .then(3)
            .when(same == 2)
            .then(2)
            .when(year_gap <= 1)
            .then(1)
            .otherwise(0)
            .cast(pl.Int8)
            .alias("level")
        )["level"]
        return levels.to_numpy()


@dataclass(frozen=True)
class TokenOverlap(Comparison):
    """Addresses and other multi-part text: similarity by rapidfuzz token-set / partial ratio."""

    column: str = ""
    thresholds: tuple[float, ...] = (0.9, 0.75, 0.55)
    labels: tuple[str, ...] = ()

    def levels(self, left: pl.DataFrame, right: pl.DataFrame) -> np.ndarray:
        sim = pair_similarity(left[self.column], right[self.column], fuzz.token_set_ratio, equal_score=100.0)
        return _threshold_levels(sim / 100.0, self.thresholds, exact=True)


def token_overlap(
    name: str, column: str, thresholds: tuple[float, ...] = (0.9, 0.75, 0.55), evidence: bool = True
) -> TokenOverlap:
    ordered = sorted(thresholds)
    labels = (f"overlap < {ordered[0]}",) + tuple(f"overlap >= {t}" for t in ordered) + ("exact",)
    return TokenOverlap(name=name, labels=labels, column=column, thresholds=thresholds, evidence=evidence)


@dataclass(frozen=True)
class KeyOverlap(Comparison):
    """Agreement of two lists of keys (e.g. the pinyin readings of a name): do they share one?"""

    column: str = ""
    labels: tuple[str, ...] = ("no shared key", "shared key")

    def levels(self, left: pl.DataFrame, right: pl.DataFrame) -> np.ndarray:
        frame = pl.DataFrame({"a": left[self.column], "b": right[self.column]})
        out = frame.select(
            pl.when(pl.col("a").is_null() | pl.col("b").is_null() | (pl.col("a").list.len() == 0))
            .then(MISSING)
            .when(pl.col("a").list.set_intersection(pl.col("b")).list.len() > 0)
            .then(1)
            .otherwise(0)
            .cast(pl.Int8)
        ).to_series()
        return out.to_numpy()


levenshtein_similarity: Scorer = Levenshtein.normalized_similarity
"""Normalised Levenshtein similarity (native): for codes and numbers where order matters."""


__all__ = [
    "MISSING",
    "NameMatch",
    "PhoneMatch",
    "char_ratio",
    "Comparison",
    "DateMatch",
    "ExactMatch",
    "IdentifierMatch",
    "KeyOverlap",
    "StringSimilarity",
    "TokenOverlap",
    "jaro_winkler",
    "levenshtein_similarity",
    "pair_similarity",
    "string_similarity",
    "token_overlap",
]


@dataclass(frozen=True)
class NameMatch(Comparison):
    """Chinese names: exact, same sound (any shared pinyin reading: homophones, heteronym
    surnames, characters the clerk misheard), similar spelling (Jaro-Winkler), different.

    `pinyin_columns` hold up to three readings per name (see `standardise.pinyin_slots`).
    """

    column: str = ""
    pinyin_columns: tuple[str, ...] = ()
    similar: float = 0.8
    labels: tuple[str, ...] = ("different", "similar spelling", "same sound", "exact")

    def levels(self, left: pl.DataFrame, right: pl.DataFrame) -> np.ndarray:
        sim = pair_similarity(left[self.column], right[self.column], jaro_winkler)
        out = np.zeros(len(sim), dtype=np.int8)
        out[sim >= self.similar] = 1
        sound = np.zeros(len(sim), dtype=bool)
        for a in self.pinyin_columns:
            for b in self.pinyin_columns:
                sound |= (left[a] == right[b]).fill_null(False).to_numpy()
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

    def levels(self, left: pl.DataFrame, right: pl.DataFrame) -> np.ndarray:
        a, b = left[self.column], right[self.column]
        exact = (a == b).fill_null(False).to_numpy()
        tail = (left[self.tail_column] == right[self.tail_column]).fill_null(False).to_numpy()
        out = np.where(exact, 2, np.where(tail, 1, 0)).astype(np.int8)
        out[(a.is_null() | b.is_null()).to_numpy()] = MISSING
        return out


def char_ratio(name: str, column: str, thresholds: tuple[float, ...] = (0.9, 0.75), evidence: bool = True) -> StringSimilarity:
    """Character-level similarity (Indel ratio) for unsegmented Chinese text such as addresses."""
    ordered = sorted(thresholds)
    labels = (f"ratio < {ordered[0]}",) + tuple(f"ratio >= {t}" for t in ordered) + ("exact",)
    return StringSimilarity(
        name=name, labels=labels, column=column, thresholds=thresholds, scorer=Indel.normalized_similarity, evidence=evidence
    )
