"""Connected components of a graph held in Spark, by min-label propagation in Spark SQL.

GraphFrames (the usual library) is not available offline, and components of matched record
pairs are small (an entity has a handful of records), so the simple algorithm is enough: every
node starts labelled by its own id, and each round every node takes the smallest label among
itself and its neighbours, until no label changes. Rounds needed grow with the diameter of the
largest component (a chain of k records needs about k rounds), not with the number of nodes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pyspark.sql import DataFrame

MAX_ROUNDS = 200


class ComponentsDidNotConverge(RuntimeError):
    """Labels still changed after `MAX_ROUNDS` rounds (a chain longer than any entity)."""


def connected_components(edges: DataFrame, src: str = "src", dst: str = "dst", max_rounds: int = MAX_ROUNDS) -> DataFrame:
    """`node, component` of every node touched by an edge; `component` is the smallest node id
    of its component (integer ids), so the result does not depend on partitioning or order.

    Each round is one join and one group-by; the lineage is cut every round (a local
    checkpoint) so that the plan does not grow with the number of rounds.
    """
    from pyspark.sql import functions as F

    both = (
        edges.select(F.col(src).alias("a"), F.col(dst).alias("b"))
        .union(edges.select(F.col(dst).alias("a"), F.col(src).alias("b")))
        .where(F.col("a") != F.col("b"))
        .distinct()
        .localCheckpoint()
    )
    nodes = edges.select(F.col(src).alias("node")).union(edges.select(F.col(dst).alias("node"))).distinct()
    # start from the smallest of each node and its direct neighbours (saves one round)
    labels = (
        nodes.join(both.withColumnRenamed("a", "node"), "node", "left")
        .groupBy("node")
        .agg(F.least(F.min("b"), F.first("node")).alias("label"))
        .select("node", F.coalesce("label", "node").alias("label"))
        .localCheckpoint()
    )
    for _ in range(max_rounds):
        proposed = (
            both.join(labels.withColumnRenamed("node", "a"), "a")
            .groupBy(F.col("b").alias("node"))
            .agg(F.min("label").alias("proposed"))
        )
        joined = labels.join(proposed, "node", "left").select(
            "node", "label", F.least("label", F.coalesce("proposed", "label")).alias("new")
        ).localCheckpoint()
        changed = joined.where(F.col("new") != F.col("label")).limit(1).count()
        labels = joined.select("node", F.col("new").alias("label"))
        if changed == 0:
            return labels.withColumnRenamed("label", "component")
    raise ComponentsDidNotConverge(f"connected components: labels still changing after {max_rounds} rounds")
