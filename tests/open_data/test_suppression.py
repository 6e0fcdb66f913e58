"""Small cells and secondary suppression on crafted tables: no suppressed value can be derived
from what is published, by subtraction or by solving all the published sums together."""

from __future__ import annotations

import itertools

import numpy as np
import polars as pl

from pipelines.open_data.suppression import SuppressionRule, suppress

RULE = SuppressionRule(
    counts=("population", "male", "female", "young", "old"),
    sums=(("population", ("male", "female")), ("population", ("young", "old"))),
    total_row="is_total",
)


def _table(rows: list[tuple[str, int, int, int, int]]) -> pl.DataFrame:
    """Townships (name, male, female, young, old with young+old = male+female) and the total row."""
    frame = pl.DataFrame(
        [{"township": t, "is_total": False, "population": m + f, "male": m, "female": f, "young": y, "old": o}
         for t, m, f, y, o in rows]
    )
    total = frame.select(pl.lit("合计").alias("township"), pl.lit(True).alias("is_total"),
                         *(pl.col(c).sum() for c in RULE.counts))
    return pl.concat([frame, total])


def _derivable(original: pl.DataFrame, published: pl.DataFrame, rule: SuppressionRule) -> list[tuple[int, str]]:
    """Suppressed cells whose value the published cells and the table's sums determine: an
    independent check (every sum at once, least squares over the hidden cells)."""
    hidden = [(i, c) for c in rule.counts for i in range(published.height) if published[c][i] is None]
    index = {cell: k for k, cell in enumerate(hidden)}
    rows, rhs = [], []

    def equation(total: tuple[int, str], parts: list[tuple[int, str]]) -> None:
        vector, known = np.zeros(len(hidden)), 0.0
        for sign, cell in [(-1.0, total)] + [(1.0, p) for p in parts]:
            if cell in index:
                vector[index[cell]] += sign
            else:
                known += sign * published[cell[1]][cell[0]]
        rows.append(vector)
        rhs.append(-known)

    body = [i for i in range(published.height) if not published["is_total"][i]]
    total_row = next(i for i in range(published.height) if published["is_total"][i])
    for i in range(published.height):
        for total, parts in rule.sums:
            equation((i, total), [(i, p) for p in parts])
    for c in rule.counts:
        equation((total_row, c), [(i, c) for i in body])
    if not hidden:
        return []
    a = np.array(rows)
    rank = np.linalg.matrix_rank(a)
    out = []
    for cell, k in index.items():
        unit = np.zeros(len(hidden))
        unit[k] = 1
        if np.linalg.matrix_rank(np.vstack([a, unit])) == rank:
            out.append(cell)
    return out


def test_a_lone_small_cell_takes_a_partner_in_its_row_and_its_column() -> None:
    original = _table([("a", 600, 590, 300, 890), ("b", 2, 398, 100, 300), ("c", 40, 42, 30, 52)])
    published, cells = suppress(original, RULE, minimum=5)
    b = published.filter(pl.col("township") == "b").row(0, named=True)
    assert b["male"] is None and b["female"] is None  # 400 - 398 would give the 2 men back
    assert b["suppressed"] is True
    # the men's column has another hidden cell, so the county total does not give them back
    assert published["male"].null_count() >= 2
    assert cells == sum(published[c].null_count() for c in RULE.counts)
    assert _derivable(original, published, RULE) == []


def test_zeros_are_published_and_large_tables_keep_most_cells() -> None:
    original = _table([("a", 0, 50, 20, 30), ("b", 60, 70, 40, 90), ("c", 55, 45, 50, 50)])
    published, cells = suppress(original, RULE, minimum=5)
    assert cells == 0 and published.equals(original.with_columns(pl.lit(False).alias("suppressed")))


def test_no_suppressed_value_is_derivable_on_many_crafted_tables() -> None:
    rng = np.random.default_rng(7)
    for _ in range(40):
        rows = []
        for t in range(int(rng.integers(2, 6))):
            m, f = (int(x) for x in rng.choice([0, 1, 2, 3, 4, 5, 9, 30, 200], size=2))
            young = int(rng.integers(0, m + f + 1))
            rows.append((f"t{t}", m, f, young, m + f - young))
        original = _table(rows)
        published, _ = suppress(original, RULE, minimum=5)
        assert _derivable(original, published, RULE) == [], original
        # every published count is the original one, and every hidden primary cell is hidden
        for c in RULE.counts:
            for before, after in zip(original[c], published[c], strict=True):
                assert after is None or after == before
                assert not (1 <= before < 5) or after is None


def test_primary_suppression_alone_would_be_undone_by_subtraction() -> None:
    """The check above can fail: hiding only the small cells leaves them derivable."""
    original = _table([("a", 600, 590, 300, 890), ("b", 2, 398, 100, 300)])
    primary_only = original.with_columns(
        pl.when(pl.col(c).is_between(1, 4)).then(None).otherwise(pl.col(c)).alias(c) for c in RULE.counts
    )
    assert _derivable(original, primary_only, RULE) == [(1, "male")]


def test_values_derived_from_a_suppressed_count_are_emptied_with_it() -> None:
    rule = SuppressionRule(counts=("working", "contributing", "not_contributing"),
                           sums=(("working", ("contributing", "not_contributing")),),
                           derived={"coverage_pct": ("working", "contributing")})
    frame = pl.DataFrame({"working": [100, 50], "contributing": [97, 40], "not_contributing": [3, 10],
                          "coverage_pct": [97.0, 80.0]})
    published, _ = suppress(frame, rule, minimum=5)
    first = published.row(0, named=True)
    assert first["not_contributing"] is None and first["contributing"] is None  # 100 - 97
    assert first["coverage_pct"] is None  # 97% of a published 100 would give it back
    assert published.row(1, named=True)["coverage_pct"] == 80.0


def test_suppression_is_deterministic() -> None:
    original = _table([(f"t{i}", a, b, a, b) for i, (a, b) in enumerate(itertools.islice(
        itertools.cycle([(1, 40), (3, 2), (50, 60), (4, 0)]), 8))])
    first, _ = suppress(original, RULE, minimum=5)
    second, _ = suppress(original, RULE, minimum=5)
    assert first.equals(second)
