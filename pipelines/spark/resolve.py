"""Entity resolution on Spark: the same engine, its pair work spread over the cluster.

`resolve_on_spark(spark, records, kind, as_of)` returns the same `Resolution` as
`pipelines.resolve.api.resolve_persons` / `resolve_orgs` on the same records (same clusters,
same audit of pairs, same model). What runs where:

* standardising: `mapInArrow` over the record batches with the Polars standardisers
  (`standardise_persons` / `standardise_orgs`, row by row, so batches do not matter);
* record-level steps on the driver, with the engine's own code (`engine.resolve`): collapsing
  identical records, numbering the distinct ones, the value dictionaries, term frequencies and
  u from random record pairs (all linear in records, a few arrays per record);
* blocking: every record is sent to the partitions of its blocking keys (64-bit key hash modulo
  the partition count, as the local partitioned engine does); `applyInArrow` grouped by
  partition forms each partition's pairs with `blocking.partition_pairs`; a group-by over
  (left, right) gathers each pair once with the mask of the rules that found it;
* comparing and scoring: pairs are grouped by left record (`cogroup` with the records they
  need) and compared with `engine.compare_pairs`; the model is fitted on the driver from the
  (levels, rules) pattern counts (`fit_sessions(..., counts=...)`, identical to fitting on every
  pair); a second cogroup scores and decides with `engine.score_pairs` / `engine._decide`;
* clustering: connected components of the matched pairs by min-label propagation in Spark SQL
  (`pipelines.spark.components`); the few components that break a cannot-link rule (two
  checksum-valid IDs, kept-apart pairs such as twins) are rebuilt with the engine's
  `constrained_components`, one component per `applyInArrow` group, so the rules hold across
  partitions;
* sparse records (unique-evidence rules) and the audit table on the driver, engine code again.

The driver holds record-level arrays and, because `Resolution.pairs` is an in-memory audit
table of every compared pair, the scored pairs; what grows fastest (pair formation,
comparison, scoring, clustering) runs on the executors.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import date
from typing import TYPE_CHECKING, Any

import numpy as np
import polars as pl
import pyarrow as pa

from pipelines.resolve.blocking import _RULE_BITS, _SIDE_BITS, _keyed, key_partition, partition_pairs
from pipelines.resolve.cluster import constrained_components
from pipelines.resolve.compare import Columns
from pipelines.resolve.engine import (
    REASON_CLUSTER,
    ResolverConfig,
    _decide,
    _random_pairs,
    _rule_masks,
    _sparse,
    _total_pairs,
    compare_pairs,
    exclusive_codes,
    link_sparse,
    partition_count,
    resolve,
    score_pairs,
    term_frequencies,
)
from pipelines.resolve.fellegi_sunter import fit_em, fit_sessions, u_from_random_pairs
from pipelines.resolve.model import Kind, Resolution, input_columns, read_columns
from pipelines.spark.components import connected_components

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession


def _kind(kind: Kind) -> tuple[ResolverConfig, Any, Any, Any]:
    """(config, record-by-record standardiser, keys function, whole-frame finisher) of a kind
    (imported here so workers build their own: nothing but the kind's name is shipped to them).
    The finisher runs on the driver over all standardised records: it looks across the records
    of one delivered row, which a partition may split."""
    if kind == "persons":
        from pipelines.resolve.persons import person_config, person_keys
        from pipelines.resolve.standardise import standardise_person_rows, with_row_addresses

        return person_config(), standardise_person_rows, person_keys, with_row_addresses
    if kind == "orgs":
        from pipelines.resolve.orgs import org_config, org_keys
        from pipelines.resolve.standardise import standardise_orgs

        return org_config(), standardise_orgs, org_keys, lambda std: std
    raise ValueError(f"resolve on Spark: kind must be persons or orgs, not {kind!r}")


def _arrow(frame: pl.DataFrame, schema: pa.Schema) -> pa.Table:
    """A Polars frame as an Arrow table of exactly `schema` (the types Spark expects)."""
    return frame.select(schema.names).to_arrow().cast(schema)


def _spark_schema(frame: pl.DataFrame) -> Any:
    """The Spark schema of a Polars frame (via Arrow)."""
    from pyspark.sql.pandas.types import from_arrow_schema

    table = frame.to_arrow()
    fields = []
    for f in table.schema:
        t = f.type
        if pa.types.is_large_string(t) or pa.types.is_string_view(t):
            t = pa.string()
        elif pa.types.is_large_list(t) or pa.types.is_list_view(t):
            inner = t.value_type
            t = pa.list_(pa.string() if pa.types.is_large_string(inner) or pa.types.is_string_view(inner) else inner)
        fields.append(pa.field(f.name, t))
    return from_arrow_schema(pa.schema(fields))


def _arrow_schema(spark_schema: Any) -> pa.Schema:
    from pyspark.sql.pandas.types import to_arrow_schema

    return to_arrow_schema(spark_schema)


def resolve_on_spark(spark: SparkSession, records: DataFrame, kind: Kind, as_of: date) -> Resolution:
    """Resolve the records of a Spark DataFrame (the contract columns of `kind`, as delivered)
    into entities, with the same result as `resolve_persons` / `resolve_orgs` (module docstring).
    """
    from pyspark.sql import functions as F

    config, standardise, keys_fn, finish = _kind(kind)
    missing = [c for c in input_columns(kind) if c not in records.columns]
    if missing:
        from pipelines.resolve.api import ResolveInputError

        raise ResolveInputError(f"resolve {kind} on Spark: input lacks column(s) {', '.join(missing)}")
    present = read_columns(kind, records.columns)
    raw = records.select([F.col(c).cast("string").alias(c) for c in present])
    empty = pl.DataFrame(schema=dict.fromkeys(present, pl.String))
    std_spark_schema = _spark_schema(standardise(empty, as_of))
    std_arrow_schema = _arrow_schema(std_spark_schema)

    def standardise_batches(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        _, fn, _, _ = _kind(kind)
        for batch in batches:
            frame = pl.from_arrow(pa.Table.from_batches([batch]))
            assert isinstance(frame, pl.DataFrame)
            yield from _arrow(fn(frame, as_of), std_arrow_schema).to_batches()

    std_table = raw.mapInArrow(standardise_batches, std_spark_schema).toArrow()
    std = pl.from_arrow(std_table)
    assert isinstance(std, pl.DataFrame)
    if std.height == 0:
        std = pl.DataFrame(schema=standardise(empty, as_of).schema)
    std = finish(std)
    core = _SparkCore(spark, kind, config)
    resolution = resolve(std, config, core_fn=core)
    resolution.keys = keys_fn(std)
    return resolution


class _SparkCore:
    """`engine._resolve_core` with blocking, comparison, scoring and clustering on Spark."""

    def __init__(self, spark: SparkSession, kind: Kind, config: ResolverConfig) -> None:
        self.spark = spark
        self.kind = kind
        self.config = config

    def __call__(self, frame: pl.DataFrame, config: ResolverConfig) -> tuple[np.ndarray, pl.DataFrame, dict[str, float], Any, Columns]:
        from pyspark.sql import functions as F

        spark, kind = self.spark, self.kind
        timings: dict[str, float] = {}
        clock = time.perf_counter()
        n = frame.height
        frame = frame.with_columns(pl.Series("_src", Columns(frame).codes("source")[0].astype(np.uint32)))
        canonical = np.argsort(frame["_h"].to_numpy(), kind="stable")
        sources = frame["_src"].to_numpy()
        cols = Columns(frame.select(config.comparison_columns()))
        shuffle = int(spark.conf.get("spark.sql.shuffle.partitions") or 8)
        partitions = max(partition_count(n, config), shuffle)
        rules = config.blocking
        link_only = config.link_only
        if config.one_to_one:
            raise NotImplementedError("resolve on Spark: one-to-one linking (FEBRL-style) is local only")

        # record-level facts the cluster needs, by global record number
        # the engine's exclusive identifiers (valid ID number, one key per issuing group)
        exclusive = exclusive_codes(cols, config)
        vids = exclusive if exclusive is not None else np.full((n, 1), -1, dtype=np.int64)
        vid_names = [f"vid{j}" for j in range(vids.shape[1])]
        rank = np.empty(n, dtype=np.int64)
        rank[canonical] = np.arange(n)
        needed = list(dict.fromkeys(["_i", "_src", *(c for r in rules for c in r.columns), *config.comparison_columns()]))
        rec_frame = frame.select(needed).with_columns(pl.col("_i").cast(pl.Int64), pl.col("_src").cast(pl.Int64))
        rec_schema = _spark_schema(rec_frame)
        rec_arrow = _arrow_schema(rec_schema)
        recs = spark.createDataFrame(_arrow(rec_frame, rec_arrow)).repartition(shuffle).persist()

        # 1. blocking: records to the partitions of their keys, pairs per partition
        block_cols = list(dict.fromkeys(["_i", *(c for r in rules for c in r.columns)]))

        def assign(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
            cfg = _kind(kind)[0]
            for batch in batches:
                local = pl.from_arrow(pa.Table.from_batches([batch]))
                assert isinstance(local, pl.DataFrame)
                out = []
                for rule in cfg.blocking:
                    idx, key = _keyed(local, rule)
                    out.append(pl.DataFrame({"i": idx, "part": key_partition(key, partitions)}))
                both = pl.concat(out).unique() if out else pl.DataFrame({"i": [], "part": []}, schema={"i": pl.Int64, "part": pl.Int64})
                yield from both.to_arrow().cast(pa.schema([("i", pa.int64()), ("part", pa.int64())])).to_batches()

        placed = recs.select(block_cols).mapInArrow(assign, "i long, part long").distinct()
        grouped = placed.join(recs, placed["i"] == recs["_i"]).drop("i")
        side_mask = (1 << _SIDE_BITS) - 1
        pair_arrow = pa.schema([("l", pa.int64()), ("r", pa.int64()), ("rule", pa.int64())])

        def block(table: pa.Table) -> pa.Table:
            cfg = _kind(kind)[0]
            local = pl.from_arrow(table)
            assert isinstance(local, pl.DataFrame)
            local = local.sort("_i")
            part = int(local["part"][0])
            ids = local["_i"].to_numpy()
            local = local.with_columns(pl.int_range(local.height, dtype=pl.UInt32).alias("_i"))
            packed, skipped = partition_pairs(local, cfg.blocking, link_only, part, partitions)
            left = ids[((packed >> np.uint64(_SIDE_BITS + _RULE_BITS)) & np.uint64(side_mask)).astype(np.int64)]
            right = ids[((packed >> np.uint64(_RULE_BITS)) & np.uint64(side_mask)).astype(np.int64)]
            rule = (packed & np.uint64((1 << _RULE_BITS) - 1)).astype(np.int64)
            # skipped records per rule ride along as rows with l = -1 (r: rule index)
            names = [r.name for r in cfg.blocking]
            extra_r = np.array([names.index(k) for k in skipped], dtype=np.int64)
            extra_n = np.array(list(skipped.values()), dtype=np.int64)
            return pa.table(
                {
                    "l": np.r_[left, np.full(len(extra_r), -1)].astype(np.int64),
                    "r": np.r_[right, extra_r].astype(np.int64),
                    "rule": np.r_[rule, extra_n].astype(np.int64),
                },
                schema=pair_arrow,
            )

        # local checkpoints cut the lineage: later steps join these with their own ancestors
        entries = grouped.groupBy("part").applyInArrow(block, "l long, r long, rule long").localCheckpoint()
        skipped_rows = entries.where(F.col("l") < 0).groupBy("r").agg(F.sum("rule").alias("n")).collect()
        pairs = (
            entries.where(F.col("l") >= 0)
            .groupBy("l", "r")
            .agg(F.min("rule").alias("rule"), F.bit_or(F.expr("shiftleft(cast(1 as bigint), cast(rule as int))")).alias("rules"))
            .withColumn("q", F.col("l") % F.lit(shuffle))
            .localCheckpoint()
        )
        timings["blocking_s"] = time.perf_counter() - clock

        # 2. compare: each group gets its pairs and the records they name
        clock = time.perf_counter()
        k_count = len(config.comparisons)
        level_names = [f"lv{k}" for k in range(k_count)]
        ends = pairs.select("q", F.col("l").alias("_i")).union(pairs.select("q", F.col("r").alias("_i"))).distinct()
        pair_recs = ends.join(recs, "_i").localCheckpoint()
        level_schema = "l long, r long, rule long, rules long, " + ", ".join(f"{c} byte" for c in level_names)
        level_arrow = pa.schema(
            [("l", pa.int64()), ("r", pa.int64()), ("rule", pa.int64()), ("rules", pa.int64()), *((c, pa.int8()) for c in level_names)]
        )

        def local_view(rec_table: pa.Table, pair_table: pa.Table) -> tuple[pl.DataFrame, Columns, pl.DataFrame, np.ndarray, np.ndarray]:
            cfg = _kind(kind)[0]
            local = pl.from_arrow(rec_table)
            assert isinstance(local, pl.DataFrame)
            local = local.sort("_i")
            ids = local["_i"].to_numpy()
            prs = pl.from_arrow(pair_table)
            assert isinstance(prs, pl.DataFrame)
            lp = np.searchsorted(ids, prs["l"].to_numpy())
            rp = np.searchsorted(ids, prs["r"].to_numpy())
            return local, Columns(local.select(cfg.comparison_columns())), prs, lp, rp

        def compare(rec_table: pa.Table, pair_table: pa.Table) -> pa.Table:
            cfg = _kind(kind)[0]
            if pair_table.num_rows == 0:
                return level_arrow.empty_table()
            _, lcols, prs, lp, rp = local_view(rec_table, pair_table)
            levels = compare_pairs(lcols, lp, rp, cfg)
            out = prs.select("l", "r", "rule", "rules").with_columns(
                [pl.Series(c, levels[:, k], dtype=pl.Int8) for k, c in enumerate(level_names)]
            )
            return _arrow(out, level_arrow)

        compared = (
            pair_recs.groupBy("q")
            .cogroup(pairs.groupBy("q"))
            .applyInArrow(compare, level_schema)
            .withColumn("q", F.col("l") % F.lit(shuffle))
            .localCheckpoint()
        )
        timings["compare_s"] = time.perf_counter() - clock

        # 3. the model, from (levels, rules) pattern counts, and u from random pairs (driver)
        clock = time.perf_counter()
        comps = list(config.comparisons)
        counted = pl.from_arrow(compared.groupBy(*level_names, "rules").count().toArrow())
        assert isinstance(counted, pl.DataFrame)
        counted = counted.sort([*level_names, "rules"])
        pat_levels = counted.select(level_names).to_numpy().astype(np.int8).reshape(-1, k_count)
        pat_rules = counted["rules"].to_numpy().astype(np.uint64)
        pat_counts = counted["count"].to_numpy().astype(np.int64)
        rl, rr = _random_pairs(canonical, config.random_pairs, config.seed, sources if link_only else None)
        u_random = u_from_random_pairs(compare_pairs(cols, rl, rr, config), comps) if len(rl) else None
        if config.training == "sessions" and u_random is not None:
            masks = [_rule_masks(rule, config) for rule in rules]
            model = fit_sessions(pat_levels, pat_rules, masks, comps, u_random, _total_pairs(frame, config), counts=pat_counts)
        elif config.training == "recordlinkage-ecm":
            raise NotImplementedError("resolve on Spark: recordlinkage-ecm training is local only")
        else:
            model = fit_em(pat_levels, comps, u_init=u_random, fix_u=config.fix_u and u_random is not None, counts=pat_counts)
        model.labels = [c.labels for c in comps]

        # global term frequencies, by value (each group's codes are its own)
        frequencies = {
            col: (pl.DataFrame({"v": cols.values(col), "p": p}), sum_p2) for col, (p, sum_p2) in term_frequencies(cols, config).items()
        }
        score_schema = level_schema + ", weight double, match boolean, reason byte, cannot boolean, touches boolean"
        score_arrow = pa.schema(
            [
                *level_arrow,
                ("weight", pa.float64()),
                ("match", pa.bool_()),
                ("reason", pa.int8()),
                ("cannot", pa.bool_()),
                ("touches", pa.bool_()),
            ]
        )

        def score(rec_table: pa.Table, pair_table: pa.Table) -> pa.Table:
            cfg = _kind(kind)[0]
            if pair_table.num_rows == 0:
                return score_arrow.empty_table()
            local, lcols, prs, lp, rp = local_view(rec_table, pair_table)
            levels = prs.select(level_names).to_numpy().astype(np.int8).reshape(-1, k_count)
            local_freq = {}
            for col, (table, sum_p2) in frequencies.items():
                values = pl.DataFrame({"v": lcols.values(col)}).with_row_index("_o")
                p = values.join(table, on="v", how="left").sort("_o")["p"].fill_null(0.0).to_numpy()
                local_freq[col] = (p, sum_p2)
            weights = score_pairs(lcols, lp, rp, levels, model, cfg, local_freq)
            match, reason, cannot = _decide(levels, weights, lcols, lp, rp, cfg)
            sparse = _sparse(local, cfg) if cfg.unique_evidence else np.zeros(local.height, dtype=bool)
            touches = sparse[lp] | sparse[rp]
            out = prs.select("l", "r", "rule", "rules", *level_names).with_columns(
                pl.Series("weight", weights),
                pl.Series("match", match),
                pl.Series("reason", reason.astype(np.int8)),
                pl.Series("cannot", cannot),
                pl.Series("touches", touches),
            )
            return _arrow(out, score_arrow)

        scored = (
            pair_recs.groupBy("q")
            .cogroup(compared.groupBy("q"))
            .applyInArrow(score, score_schema)
            .localCheckpoint()
        )
        timings["score_s"] = time.perf_counter() - clock

        # 4. clusters: components of the matches, rebuilt under the constraints where broken
        clock = time.perf_counter()
        links = scored.where(F.col("match") & ~F.col("touches")).select("l", "r")
        comp = connected_components(links, "l", "r").localCheckpoint()
        attrs = spark.createDataFrame(
            pa.table({"node": np.arange(n, dtype=np.int64), **{v: vids[:, j] for j, v in enumerate(vid_names)}, "rank": rank.astype(np.int64)})
        )
        node_comp = comp.join(attrs, "node")
        broken_cannot = (
            scored.where("cannot")
            .select("l", "r")
            .join(comp.withColumnRenamed("node", "l").withColumnRenamed("component", "cl"), "l")
            .join(comp.withColumnRenamed("node", "r").withColumnRenamed("component", "cr"), "r")
            .where(F.col("cl") == F.col("cr"))
            .select(F.col("cl").alias("component"))
        )
        broken = broken_cannot
        for v in vid_names:
            broken = broken.union(
                node_comp.where(F.col(v) >= 0).groupBy("component").agg(F.countDistinct(v).alias("k")).where("k > 1").select("component")
            )
        broken = broken.distinct()
        inner = (
            scored.where((F.col("match") & ~F.col("touches")) | F.col("cannot"))
            .select("l", "r", "weight", F.col("match") & ~F.col("touches"), "cannot")
            .toDF("l", "r", "weight", "link", "cannot")
            .join(comp.withColumnRenamed("node", "l"), "l")
            .join(broken, "component")
            .join(comp.withColumnRenamed("node", "r").withColumnRenamed("component", "cr"), "r")
            .where(F.col("component") == F.col("cr"))
            .join(attrs.toDF("l", *(f"{v}_l" for v in vid_names), "rank_l"), "l")
            .join(attrs.toDF("r", *(f"{v}_r" for v in vid_names), "rank_r"), "r")
        )
        rebuilt_arrow = pa.schema([("node", pa.int64()), ("label", pa.int64()), ("l", pa.int64()), ("r", pa.int64())])

        def rebuild(table: pa.Table) -> pa.Table:
            edges = pl.from_arrow(table)
            assert isinstance(edges, pl.DataFrame)
            left, right = edges["l"].to_numpy(), edges["r"].to_numpy()
            nodes, local = np.unique(np.r_[left, right], return_inverse=True)
            ll, lr = local[: len(left)], local[len(left) :]
            vid = np.empty((len(nodes), len(vid_names)), dtype=np.int64)
            rk = np.empty(len(nodes), dtype=np.int64)
            vid[ll] = edges.select(f"{v}_l" for v in vid_names).to_numpy()
            vid[lr] = edges.select(f"{v}_r" for v in vid_names).to_numpy()
            rk[ll], rk[lr] = edges["rank_l"].to_numpy(), edges["rank_r"].to_numpy()
            labels, refused = constrained_components(
                len(nodes), ll, lr, edges["weight"].to_numpy(), edges["link"].to_numpy().astype(bool),
                edges["cannot"].to_numpy().astype(bool), vid, rk,
            )
            # each new cluster is named by its smallest record number (unique across groups)
            first = np.full(int(labels.max()) + 1, np.iinfo(np.int64).max, dtype=np.int64)
            np.minimum.at(first, labels, nodes)
            node_rows = pl.DataFrame({"node": nodes, "label": first[labels], "l": np.full(len(nodes), -1), "r": np.full(len(nodes), -1)})
            refused_rows = pl.DataFrame(
                {"node": np.full(int(refused.sum()), -1), "label": np.full(int(refused.sum()), -1), "l": left[refused], "r": right[refused]}
            )
            return pl.concat([node_rows, refused_rows]).cast(pl.Int64).to_arrow().cast(rebuilt_arrow)

        rebuilt = pl.from_arrow(inner.groupBy("component").applyInArrow(rebuild, "node long, label long, l long, r long").toArrow())
        assert isinstance(rebuilt, pl.DataFrame)
        plain = pl.from_arrow(comp.toArrow())
        assert isinstance(plain, pl.DataFrame)
        labels = np.arange(n, dtype=np.int64)
        labels[plain["node"].to_numpy()] = plain["component"].to_numpy()
        relabel = rebuilt.filter(pl.col("node") >= 0)
        labels[relabel["node"].to_numpy()] = relabel["label"].to_numpy()
        refused_pairs = rebuilt.filter(pl.col("node") < 0).select("l", "r").with_columns(pl.lit(True).alias("refused"))

        # 5. gather the scored pairs (the audit needs every one), sparse records, audit
        got = pl.from_arrow(scored.drop("q").toArrow()) if "q" in scored.columns else pl.from_arrow(scored.toArrow())
        assert isinstance(got, pl.DataFrame)
        got = got.sort("l", "r").join(refused_pairs, on=["l", "r"], how="left", maintain_order="left")
        left = got["l"].to_numpy().astype(np.int64)
        right = got["r"].to_numpy().astype(np.int64)
        levels = got.select(level_names).to_numpy().astype(np.int8).reshape(-1, k_count)
        weights = got["weight"].to_numpy()
        match = got["match"].to_numpy().astype(bool) & ~got["touches"].to_numpy().astype(bool)
        reason = got["reason"].to_numpy().astype(np.int8)
        refused = got["refused"].fill_null(False).to_numpy().astype(bool)
        reason[refused] = REASON_CLUSTER
        if config.unique_evidence:
            sparse = _sparse(frame, config)
            touches = got["touches"].to_numpy().astype(bool)
            labels = link_sparse(frame, cols, left, right, labels, match, reason, sparse, touches, config, exclusive)
        timings["cluster_s"] = time.perf_counter() - clock

        from pipelines.resolve.engine import _pair_table

        pair_index = pl.DataFrame({"l": left.astype(np.uint32), "r": right.astype(np.uint32), "rule": got["rule"].cast(pl.UInt8)})
        audit = _pair_table(frame, pair_index, levels, weights, match & ~refused, reason, config)
        stats: dict[str, float] = {}
        skipped = {int(row["r"]): int(row["n"]) for row in skipped_rows}
        rule_bits = got["rules"].to_numpy().astype(np.uint64)
        for index, rule in enumerate(rules):
            stats[f"pairs_{rule.name}"] = int(((rule_bits >> np.uint64(index)) & np.uint64(1)).sum())
            stats[f"skipped_records_{rule.name}"] = skipped.get(index, 0)
        stats["candidate_pairs"] = len(left)
        stats["partitions"] = partitions
        stats["matches"] = int((match & ~refused).sum())
        stats.update({k: round(v, 3) for k, v in timings.items()})
        recs.unpersist()
        return labels, audit, stats, model, cols
