"""Accuracy of a clustering against the truth: pairwise and B-cubed precision, recall and F1.

Pairwise counts pairs of records placed together (true positive: together in both the result and
the truth); it is dominated by large clusters. B-cubed averages, per record, the share of its
predicted cluster that is truly its entity (precision) and the share of its true entity that it
was clustered with (recall), so every record counts once. Both are computed with Polars group-bys
over cluster sizes, never by listing pairs.
"""

from __future__ import annotations

import polars as pl


def _f1(p: float, r: float) -> float:
    return 2 * p * r / (p + r) if p + r else 0.0


def evaluate(predicted: pl.DataFrame, truth: pl.DataFrame) -> dict[str, float]:
    """Compare `source, record_id, entity_id` with `source, record_id, true_id`.

    Records missing from the truth are ignored (they cannot be judged); every truth record must
    be in the prediction. Returns pairwise and B-cubed precision, recall and F1.
    """
    joined = predicted.select("source", "record_id", pl.col("entity_id").cast(pl.String)).join(
        truth.select("source", "record_id", pl.col("true_id").cast(pl.String)),
        on=["source", "record_id"],
        how="inner",
    )
    cells = joined.group_by("entity_id", "true_id").agg(pl.len().alias("n"))
    pred_sizes = cells.group_by("entity_id").agg(pl.col("n").sum().alias("np"))
    true_sizes = cells.group_by("true_id").agg(pl.col("n").sum().alias("nt"))

    def pairs(col: str) -> pl.Expr:
        return (pl.col(col).cast(pl.Float64) * (pl.col(col) - 1) / 2).sum()

    tp = float(cells.select(pairs("n")).item() or 0.0)
    pred_pairs = float(pred_sizes.select(pairs("np")).item() or 0.0)
    true_pairs = float(true_sizes.select(pairs("nt")).item() or 0.0)
    precision = tp / pred_pairs if pred_pairs else 1.0
    recall = tp / true_pairs if true_pairs else 1.0

    total = float(joined.height) or 1.0
    scored = cells.join(pred_sizes, on="entity_id").join(true_sizes, on="true_id")
    b_precision = float(scored.select((pl.col("n") * pl.col("n") / pl.col("np")).sum()).item() or 0.0) / total
    b_recall = float(scored.select((pl.col("n") * pl.col("n") / pl.col("nt")).sum()).item() or 0.0) / total
    return {
        "pairwise_precision": precision,
        "pairwise_recall": recall,
        "pairwise_f1": _f1(precision, recall),
        "bcubed_precision": b_precision,
        "bcubed_recall": b_recall,
        "bcubed_f1": _f1(b_precision, b_recall),
    }


def evaluate_records(predicted: pl.DataFrame, truth: pl.DataFrame, records: pl.DataFrame) -> pl.DataFrame:
    """Pairwise recall and precision of the pairs that involve the given records, per source.

    `records` (`source, record_id`) picks the records to judge, e.g. those without an ID number.
    For each such record x: its true partners T(x) (other records of its true entity), predicted
    partners P(x) (other records of its predicted entity) and the correct ones T(x) & P(x);
    recall = sum |T & P| / sum |T|, precision = sum |T & P| / sum |P| (1.0 when nothing was
    predicted). Records missing from the truth are ignored. Returns `source, records, linkable
    (records with a true partner), unlinked (linkable records with no correct partner), recall,
    precision`, one row per source of `records`.
    """
    joined = predicted.select("source", "record_id", pl.col("entity_id").cast(pl.String)).join(
        truth.select("source", "record_id", pl.col("true_id").cast(pl.String)),
        on=["source", "record_id"],
        how="inner",
    )
    cells = joined.group_by("entity_id", "true_id").agg(pl.len().alias("n"))
    sized = (
        joined.join(cells, on=["entity_id", "true_id"])
        .join(joined.group_by("entity_id").agg(pl.len().alias("np")), on="entity_id")
        .join(joined.group_by("true_id").agg(pl.len().alias("nt")), on="true_id")
        .join(records.select("source", "record_id").unique(), on=["source", "record_id"], how="semi")
    )
    tp, true, pred = (pl.col("n") - 1).sum(), (pl.col("nt") - 1).sum(), (pl.col("np") - 1).sum()
    return (
        sized.group_by("source")
        .agg(
            pl.len().alias("records"),
            (pl.col("nt") > 1).sum().alias("linkable"),
            ((pl.col("nt") > 1) & (pl.col("n") == 1)).sum().alias("unlinked"),
            pl.when(true > 0).then(tp / true).otherwise(1.0).alias("recall"),
            pl.when(pred > 0).then(tp / pred).otherwise(1.0).alias("precision"),
        )
        .sort("source")
    )
