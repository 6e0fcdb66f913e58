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
        .agg(pl.concat_str([pl.col("source").fill_null(""), pl.col("record_id").fill_null("")], separator="\x1f").min().alias("_first"))
        .sort("_first")
        .with_row_index("_rank", offset=1)
    )
    width = max(8, len(str(first.height)))
    named = frame.join(first.select("_label", "_rank"), on="_label", how="left").sort("_row")
    return named.select(
        (pl.lit(prefix) + pl.col("_rank").cast(pl.String).str.zfill(width)).alias("entity_id")
    ).to_series()


def constrained_components(
    n: int,
    left: np.ndarray,
    right: np.ndarray,
    weights: np.ndarray,
    match: np.ndarray,
    cannot: np.ndarray,
    exclusive: np.ndarray | None = None,
    rank: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Connected components of matched pairs that respect cannot-link constraints.

    Args:
        n: number of records.
        left, right: record numbers of every compared pair.
        weights: match weight of every pair (stronger links are kept first).
        match: which pairs matched.
        cannot: which pairs must never end up in one cluster (kept-apart pairs).
        exclusive: per record the integer code of an identifier (-1 when absent) of which a
            cluster may hold at most one distinct value (checksum-valid ID numbers); a 2-D
            array (records x k) holds k such identifiers, each bounded on its own (the ID
            number, and the certificate number of each source issuing one record per person).
        rank: per record a canonical rank breaking ties between equally strong links, so that
            the result does not depend on the order of the input (default: record number).

    Returns:
        (cluster label per record, per pair whether a match was refused by a constraint).

    Plain components are computed first (vectorised). Only components that violate a
    constraint (rare) are rebuilt: their matched edges are added strongest first with a
    union-find that refuses any union joining a cannot-link pair or two different exclusive
    values. The Python loop therefore runs over a small share of the edges.
    """
    refused = np.zeros(len(left), dtype=bool)
    ml, mr = left[match], right[match]
    labels = components(n, ml, mr)
    if len(ml) == 0:
        return labels, refused
    bad_mask = np.zeros(labels.max() + 1 if n else 0, dtype=bool)
    inner_cannot = cannot & (labels[left] == labels[right])
    bad_mask[labels[left[inner_cannot]]] = True
    if exclusive is not None:
        exclusive = exclusive.reshape(len(exclusive), -1)
        for j in range(exclusive.shape[1]):
            has = exclusive[:, j] >= 0
            frame = pl.DataFrame({"label": labels[has], "vid": exclusive[has, j]})
            multi = (
                frame.group_by("label").agg(pl.col("vid").n_unique().alias("k")).filter(pl.col("k") > 1)["label"].to_numpy()
            )
            bad_mask[multi] = True
    if not bad_mask.any():
        return labels, refused

    in_bad = bad_mask[labels[left]]
    edges = np.flatnonzero(in_bad & match)
    tie = np.minimum(rank[left[edges]], rank[right[edges]]) if rank is not None else edges
    tie2 = np.maximum(rank[left[edges]], rank[right[edges]]) if rank is not None else edges
    edges = edges[np.lexsort((tie2, tie, -weights[edges]))]
    forbid: dict[int, set[int]] = {}
    for e in np.flatnonzero(in_bad & cannot):
        a, b = int(left[e]), int(right[e])
        forbid.setdefault(a, set()).add(b)
        forbid.setdefault(b, set()).add(a)
    parent: dict[int, int] = {}
    members: dict[int, list[int]] = {}
    ident: dict[int, tuple[int, ...]] = {}

    def find(x: int) -> int:
        root = x
        while parent.get(root, root) != root:
            root = parent[root]
        while parent.get(x, x) != root:
            parent[x], x = root, parent[x]
        return root

    def value(root: int) -> tuple[int, ...]:
        if root in ident:
            return ident[root]
        return () if exclusive is None else tuple(int(v) for v in exclusive[root])

    for e in edges:
        a, b = find(int(left[e])), find(int(right[e]))
        if a == b:
            continue
        va, vb = value(a), value(b)
        if any(x >= 0 and y >= 0 and x != y for x, y in zip(va, vb, strict=True)):
            refused[e] = True
            continue
        ma, mb = members.get(a, [a]), members.get(b, [b])
        small, large = (ma, mb) if len(ma) <= len(mb) else (mb, ma)
        large_root = find(large[0])
        if any(find(f) == large_root for x in small for f in forbid.get(x, ())):
            refused[e] = True
            continue
        root, child = (a, b) if len(ma) >= len(mb) else (b, a)
        parent[child] = root
        members[root] = ma + mb
        members.pop(child, None)
        ident[root] = tuple(x if x >= 0 else y for x, y in zip(va, vb, strict=True))
    rebuilt = np.flatnonzero(bad_mask[labels])
    roots = np.fromiter((find(int(x)) for x in rebuilt), dtype=np.int64, count=len(rebuilt))
    labels = labels.copy()
    labels[rebuilt] = labels.max() + 1 + roots
    return labels, refused
