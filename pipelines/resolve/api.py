"""Public entry points of entity resolution (used by the CLI, the pipeline stage and benchmarks).

Walking-skeleton version: records are joined only when their identifiers are exactly equal after
trimming and upper-casing. The full resolver replaces the engine behind these same signatures.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl

from pipelines.resolve.cluster import canonical_labels, components
from pipelines.resolve.model import Kind, Resolution, input_columns

PAIR_SCHEMA = {
    "left_source": pl.String,
    "left_record_id": pl.String,
    "right_source": pl.String,
    "right_record_id": pl.String,
    "cmp_id": pl.Int8,
    "match_weight": pl.Float64,
    "match_probability": pl.Float64,
    "decision": pl.String,
    "reason": pl.String,
}


def _exact(df: pl.DataFrame, id_col: str, prefix: str) -> Resolution:
    frame = df.with_row_index("_i").with_columns(
        pl.col(id_col).str.strip_chars().str.to_uppercase().replace("", None).alias("_id")
    )
    anchors = frame.filter(pl.col("_id").is_not_null()).group_by("_id").agg(pl.col("_i").min().alias("_a"))
    edges = frame.join(anchors, on="_id").filter(pl.col("_i") != pl.col("_a"))
    left = edges["_a"].to_numpy().astype(np.int64)
    right = edges["_i"].to_numpy().astype(np.int64)
    labels = components(frame.height, left, right)
    xref = df.select("source", "record_id").with_columns(canonical_labels(df, labels, prefix))
    by_row = frame.select("_i", "source", "record_id")
    pairs = (
        edges.select("_a", "_i")
        .join(by_row.rename({"_i": "_a", "source": "left_source", "record_id": "left_record_id"}), on="_a")
        .join(by_row.rename({"source": "right_source", "record_id": "right_record_id"}), on="_i")
        .select(
            "left_source",
            "left_record_id",
            "right_source",
            "right_record_id",
            pl.lit(1, pl.Int8).alias("cmp_id"),
            pl.lit(99.0).alias("match_weight"),
            pl.lit(1.0).alias("match_probability"),
            pl.lit("match").alias("decision"),
            pl.lit("identical identifier").alias("reason"),
        )
    )
    keys = frame.select(
        "source",
        "record_id",
        pl.concat_list(
            pl.lit("r:") + pl.col("source") + pl.lit("|") + pl.col("record_id"),
            pl.lit("i:") + pl.col("_id"),
        )
        .list.drop_nulls()
        .alias("keys"),
    )
    return Resolution(xref=xref, pairs=pairs.cast(PAIR_SCHEMA), keys=keys, stats={"records": df.height})


def _check(df: pl.DataFrame, kind: Kind) -> pl.DataFrame:
    missing = [c for c in input_columns(kind) if c not in df.columns]
    if missing:
        from pipelines.errors import GovdataError

        raise GovdataError(f"resolve {kind}: input lacks column(s) {', '.join(missing)}")
    return df.select([pl.col(c).cast(pl.String) for c in input_columns(kind)])


def resolve_persons(df: pl.DataFrame) -> Resolution:
    """Resolve person records (columns as in `model.PERSON_COLUMNS`) into person entities."""
    return _exact(_check(df, "persons"), "id_number", "P")


def resolve_orgs(df: pl.DataFrame) -> Resolution:
    """Resolve organisation records (columns as in `model.ORG_COLUMNS`) into organisations."""
    return _exact(_check(df, "orgs"), "uscc", "O")


def resolve_file(kind: Kind, input: Path, output: Path, truth: Path | None = None) -> dict[str, float] | None:
    """Resolve a Parquet file of records and write `source, record_id, entity_id` to `output`."""
    df = pl.read_parquet(input)
    res = resolve_persons(df) if kind == "persons" else resolve_orgs(df)
    output.parent.mkdir(parents=True, exist_ok=True)
    res.xref.write_parquet(output)
    return None
