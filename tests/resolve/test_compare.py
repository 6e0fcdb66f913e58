"""The coded columns the comparisons score from: a shared dictionary per column group."""

import numpy as np
import polars as pl
from rapidfuzz.distance import JaroWinkler

from pipelines.resolve.compare import Columns, code_similarity


def test_codes_of_a_column_group_share_one_dictionary_of_values() -> None:
    """A given name equal to another record's surname gets the same code, and the dictionary
    maps each code back to its text (nulls get no code)."""
    frame = pl.DataFrame({"given": ["LI", "WEI", None, "LI"], "family": ["WEI", "ZHANG", "LI", None]})
    cols = Columns(frame)
    given, family = cols.codes("given", "family")
    values = cols.values("given", "family")
    assert given[1] == family[0]
    assert given[0] == given[3] == family[2]
    assert given[2] == -1 and family[3] == -1
    assert [values[int(c)] for c in given[[0, 1]]] == ["LI", "WEI"]
    assert [values[int(c)] for c in family[[0, 1, 2]]] == ["WEI", "ZHANG", "LI"]
    assert sorted(values.to_list()) == ["LI", "WEI", "ZHANG"]


def test_code_similarity_scores_the_texts_behind_the_codes() -> None:
    """Each pair is scored on its values' text; equal codes score exact, a null side is NaN,
    and the same distinct pair in either order gets the same score."""
    frame = pl.DataFrame({"name": ["MARTHA", "MARHTA", "DIXON", None]})
    cols = Columns(frame)
    (c,) = cols.codes("name")
    left = np.array([0, 1, 0, 2, 0])
    right = np.array([1, 0, 0, 3, 2])
    sim = code_similarity(c[left], c[right], cols.values("name"), JaroWinkler.normalized_similarity)
    expected = JaroWinkler.normalized_similarity("MARTHA", "MARHTA")
    assert np.isclose(sim[0], expected, atol=1e-6) and np.isclose(sim[1], expected, atol=1e-6)
    assert sim[2] == 1.0
    assert np.isnan(sim[3])
    assert np.isclose(sim[4], JaroWinkler.normalized_similarity("MARTHA", "DIXON"), atol=1e-6)
