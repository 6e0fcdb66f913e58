"""Pairwise and B-cubed measures on a hand-counted example."""

from __future__ import annotations

import polars as pl
import pytest

from pipelines.resolve.metrics import evaluate, evaluate_records


def test_measures_match_a_hand_count() -> None:
    # truth: {1,2,3} {4,5}; predicted: {1,2} {3,4,5}
    keys = [str(i) for i in range(1, 6)]
    truth = pl.DataFrame({"source": ["s"] * 5, "record_id": keys, "true_id": ["a", "a", "a", "b", "b"]})
    pred = pl.DataFrame({"source": ["s"] * 5, "record_id": keys, "entity_id": ["x", "x", "y", "y", "y"]})
    m = evaluate(pred, truth)
    # true pairs 3+1=4, predicted pairs 1+3=4, common: (1,2),(4,5) = 2
    assert m["pairwise_precision"] == pytest.approx(0.5)
    assert m["pairwise_recall"] == pytest.approx(0.5)
    # B-cubed precision: 1:1, 2:1, 3:1/3, 4:2/3, 5:2/3 -> 11/3 / 5
    assert m["bcubed_precision"] == pytest.approx(11 / 15)
    # B-cubed recall: 1:2/3, 2:2/3, 3:1/3, 4:1, 5:1 -> 11/3 / 5
    assert m["bcubed_recall"] == pytest.approx(11 / 15)


def test_perfect_and_all_singletons() -> None:
    truth = pl.DataFrame({"source": ["s"] * 4, "record_id": list("abcd"), "true_id": ["1", "1", "2", "3"]})
    perfect = truth.rename({"true_id": "entity_id"})
    assert evaluate(perfect, truth)["pairwise_f1"] == pytest.approx(1.0)
    singles = truth.with_columns(pl.col("record_id").alias("entity_id")).drop("true_id")
    m = evaluate(singles, truth)
    assert m["pairwise_recall"] == 0.0
    assert m["bcubed_precision"] == pytest.approx(1.0)


def test_measures_of_chosen_records_per_source_match_a_hand_count() -> None:
    # truth: {1,2,3} {4,5}; predicted: {1,2} {3,4,5}; judged: 3 (source t) and 1, 5 (source s)
    keys = [str(i) for i in range(1, 6)]
    sources = ["s", "s", "t", "s", "s"]
    truth = pl.DataFrame({"source": sources, "record_id": keys, "true_id": ["a", "a", "a", "b", "b"]})
    pred = pl.DataFrame({"source": sources, "record_id": keys, "entity_id": ["x", "x", "y", "y", "y"]})
    chosen = pl.DataFrame({"source": ["t", "s", "s"], "record_id": ["3", "1", "5"]})
    rows = {r["source"]: r for r in evaluate_records(pred, truth, chosen).iter_rows(named=True)}
    # record 3: true partners 1, 2; predicted 4, 5; none right
    assert rows["t"] == {"source": "t", "records": 1, "linkable": 1, "unlinked": 1, "recall": 0.0, "precision": 0.0}
    # record 1: true 2, 3 / predicted 2 (right); record 5: true 4 / predicted 3, 4 (4 right)
    assert rows["s"]["recall"] == pytest.approx(2 / 3)
    assert rows["s"]["precision"] == pytest.approx(2 / 3)
    assert rows["s"]["unlinked"] == 0
