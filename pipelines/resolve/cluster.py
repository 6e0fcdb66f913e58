"""Clustering of matched pairs into entities.

Plain connected components over accepted pairs (scipy's sparse graph routine: linear, no Python
loop per record), plus deterministic entity labels so that the same input always yields the
same ids.
"""

from __future__ import annotations

import numpy as np
import polars as pl
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components


def components(n: int, left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """Connected-component label (0..k-1) of each of `n` nodes given undirected edges."""
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    data = np.ones(len(left), dtype=np.int8)
    graph = coo_matrix((data, (left, right)), shape=(n, n)).tocsr()
    _, labels = connected_components(graph, directed=False)
    return labels.astype(np.int64)


def canonical_labels(keys: pl.DataFrame, labels: np.ndarray, prefix: str) -> pl.Series:
    """Deterministic entity ids: clusters numbered by their smallest (source, record_id).

    The numbering depends only on which records end up together, never on input order, so the
    same input (in any row order) gives the same ids.
    """
    frame = keys.select("source", "record_id").with_columns(
        pl.Series("_label", labels), pl.int_range(pl.len()).alias("_row")
    )
    first = (
        frame.group_by("_label")
        .agg(pl.struct("source", "record_id").min().alias("_first"))
        .sort("_first")
        .with_row_index("_rank", offset=1)
    )
    width = max(8, len(str(first.height)))
    named = frame.join(first.select("_label", "_rank"), on="_label", how="left").sort("_row")
    return named.select(
        (pl.lit(prefix) + pl.col("_rank").cast(pl.String).str.zfill(width)).alias("entity_id")
    ).to_series()
