"""Blocking: which pairs of records are worth comparing at all.

Comparing every pair of 2 million records is 2 * 10^12 comparisons; blocking keeps only pairs
that agree exactly on at least one *blocking key* (an ID number, a name plus a birth date, a
sound-alike name plus a phone, ...). Several keys are used together so that a record with a
mistyped ID is still found through its name and birth date, and a misspelt name through its ID.

Keys with a huge block (a placeholder phone number, a very common name with a common birth
date) would make the pair count explode; blocks larger than `max_block` are skipped and counted,
which keeps the candidate pairs bounded (roughly linear in the number of records).

All work is Polars joins on integer row numbers; no Python loop per record or pair.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl


@dataclass(frozen=True)
class BlockingRule:
    """Pairs agreeing exactly on all `columns` (none of them null) are candidates.

    A column holding a list (e.g. the pinyin readings of a name) is exploded first, so a pair
    agreeing on any one element agrees on the key.
    """

    name: str
    columns: tuple[str, ...]
    max_block: int = 200
    masks: tuple[str, ...] = ()
    """Comparisons this rule forces to agree (besides those on its own columns), e.g. a rule on
    sorted ID characters says something about the ID comparison. Used when estimating m."""


PAIR_INDEX = {"l": pl.UInt32, "r": pl.UInt32, "rule": pl.UInt8, "rules": pl.UInt64}


def _keyed(records: pl.DataFrame, rule: BlockingRule) -> pl.DataFrame:
    """`_i, _src, _k` for every record with a complete key under this rule (lists exploded)."""
    frame = records.select("_i", "_src", *rule.columns)
    for col in rule.columns:
        if isinstance(frame.schema[col], pl.List):
            frame = frame.explode(col)
    frame = frame.drop_nulls(list(rule.columns))
    if frame.height == 0:
        return pl.DataFrame(schema={"_i": pl.UInt32, "_src": pl.UInt32, "_k": pl.UInt64})
    key = pl.struct(list(rule.columns)).hash(seed=7) if len(rule.columns) > 1 else pl.col(rule.columns[0]).hash(seed=7)
    return frame.select("_i", "_src", key.alias("_k")).unique(["_i", "_k"])


def rule_pairs(records: pl.DataFrame, rule: BlockingRule, rule_index: int, link_only: bool) -> tuple[pl.DataFrame, int]:
    """Candidate pairs (l < r) of one rule and the number of records in skipped big blocks."""
    keyed = _keyed(records, rule)
    sizes = keyed.group_by("_k").agg(pl.len().alias("_n"))
    big = sizes.filter(pl.col("_n") > rule.max_block)
    skipped = int(big["_n"].sum() or 0) if big.height else 0
    keep = sizes.filter((pl.col("_n") > 1) & (pl.col("_n") <= rule.max_block)).select("_k")
    keyed = keyed.join(keep, on="_k", how="semi")
    pairs = keyed.join(keyed, on="_k", suffix="_r").filter(pl.col("_i") < pl.col("_i_r"))
    if link_only:
        pairs = pairs.filter(pl.col("_src") != pl.col("_src_r"))
    out = pairs.select(
        pl.col("_i").alias("l"),
        pl.col("_i_r").alias("r"),
        pl.lit(rule_index, pl.UInt8).alias("rule"),
        pl.lit(1 << rule_index, pl.UInt64).alias("rules"),
    ).unique(["l", "r"])
    return out, skipped


def candidate_pairs(
    records: pl.DataFrame, rules: tuple[BlockingRule, ...], link_only: bool = False
) -> tuple[pl.DataFrame, dict[str, int]]:
    """The union of all rules' pairs, each pair once with the first rule that found it.

    Args:
        records: standardised records with `_i` (UInt32 row number) and `_src` (UInt32 source
            code) plus every blocking column.
        rules: the blocking rules, most specific first (the rule index is kept for the audit).
        link_only: only pairs from different sources (linking two files, not deduplicating).

    Returns:
        (`l, r, rule, rules` frame sorted by l, r, where `rule` is the first rule that found the
        pair and `rules` a bit mask of every rule that did; per-rule statistics).
    """
    if len(rules) > 64:
        raise ValueError("at most 64 blocking rules")
    parts: list[pl.DataFrame] = []
    stats: dict[str, int] = {}
    for index, rule in enumerate(rules):
        pairs, skipped = rule_pairs(records, rule, index, link_only)
        stats[f"pairs_{rule.name}"] = pairs.height
        stats[f"skipped_records_{rule.name}"] = skipped
        parts.append(pairs)
    if not parts:
        return pl.DataFrame(schema=PAIR_INDEX), stats
    union = (
        pl.concat(parts)
        .group_by("l", "r")
        .agg(pl.col("rule").min(), pl.col("rules").sum())
        .sort("l", "r")
        .cast(PAIR_INDEX)
    )
    stats["candidate_pairs"] = union.height
    return union, stats
