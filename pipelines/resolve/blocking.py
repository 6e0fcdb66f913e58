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

import numpy as np
import polars as pl

from pipelines.resolve.compare import sorted_unique


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


def _keyed(records: pl.DataFrame, rule: BlockingRule) -> tuple[np.ndarray, np.ndarray]:
    """(record numbers, 64-bit key hashes) of every record with a complete key under the rule.

    List columns are exploded first (one row per element), so a record can sit in several blocks.
    """
    frame = records.select("_i", *rule.columns)
    exploded = False
    for col in rule.columns:
        if isinstance(frame.schema[col], pl.List):
            frame = frame.explode(col)
            exploded = True
    frame = frame.drop_nulls(list(rule.columns))
    key = pl.struct(list(rule.columns)).hash(seed=7) if len(rule.columns) > 1 else pl.col(rule.columns[0]).hash(seed=7)
    keyed = frame.select("_i", key.alias("_k"))
    if exploded:
        keyed = keyed.unique()
    return keyed["_i"].to_numpy().astype(np.int64), keyed["_k"].to_numpy()


def block_pairs(idx: np.ndarray, key: np.ndarray, max_block: int) -> tuple[np.ndarray, np.ndarray, int]:
    """All pairs (l < r) of records sharing a key, from blocks of 2..max_block records.

    Sort-based and fully vectorised: after sorting by key, a record at position p of a block of
    size s pairs with the s-1-p records after it. Returns (left, right, records in skipped
    oversized blocks).
    """
    if len(idx) == 0:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, 0
    order = np.argsort(key)
    k, rows = key[order], idx[order]
    starts = np.flatnonzero(np.r_[True, k[1:] != k[:-1]])
    sizes = np.diff(np.r_[starts, len(k)])
    skipped = int(sizes[sizes > max_block].sum())
    keep = (sizes >= 2) & (sizes <= max_block)
    starts, sizes = starts[keep], sizes[keep]
    # position of every row of the kept blocks, and how many partners come after it
    block_start = np.repeat(starts, sizes)
    within = np.arange(int(sizes.sum())) - np.repeat(np.cumsum(sizes) - sizes, sizes)
    position = block_start + within
    after = np.repeat(sizes, sizes) - 1 - within
    total = int(after.sum())
    left_pos = np.repeat(position, after)
    step = np.arange(total) - np.repeat(np.cumsum(after) - after, after)
    right_pos = left_pos + 1 + step
    a, b = rows[left_pos], rows[right_pos]
    return np.minimum(a, b), np.maximum(a, b), skipped


def key_partition(key: np.ndarray, partitions: int) -> np.ndarray:
    """The partition (0..partitions-1) of each block key: its 64-bit hash modulo the count.

    A block lives wholly in one partition, so its pairs (and its size, which decides whether
    it is skipped as oversized) are found there alone."""
    return (key % np.uint64(max(1, partitions))).astype(np.int64)


def rule_pairs(
    records: pl.DataFrame, rule: BlockingRule, link_only: bool, part: int = 0, partitions: int = 1
) -> tuple[np.ndarray, np.ndarray, int]:
    """Candidate pairs (l < r, unique) of one rule, and the number of skipped records; with
    `partitions` > 1 only from the blocks whose key falls in partition `part`."""
    idx, key = _keyed(records, rule)
    if partitions > 1:
        mine = key_partition(key, partitions) == part
        idx, key = idx[mine], key[mine]
    left, right, skipped = block_pairs(idx, key, rule.max_block)
    keep = left != right
    if link_only:
        src = records["_src"].to_numpy()
        keep &= src[left] != src[right]
    packed = sorted_unique((left[keep].astype(np.uint64) << np.uint64(32)) | right[keep].astype(np.uint64))
    return (packed >> np.uint64(32)).astype(np.int64), (packed & np.uint64(0xFFFFFFFF)).astype(np.int64), skipped


_RULE_BITS = 6  # up to 64 rules
_SIDE_BITS = (64 - _RULE_BITS) // 2  # up to 2^29 records


def candidate_pairs(
    records: pl.DataFrame,
    rules: tuple[BlockingRule, ...],
    link_only: bool = False,
    partitions: int = 1,
) -> tuple[pl.DataFrame, dict[str, int]]:
    """The union of all rules' pairs, each pair once.

    Args:
        records: standardised records with `_i` (UInt32 row number) and `_src` (UInt32 source
            code) plus every blocking column.
        rules: the blocking rules, most specific first (the rule index is kept for the audit).
        link_only: only pairs from different sources (linking two files, not deduplicating).
        partitions: form the pairs block partition by block partition (see `partition_pairs`),
            so that the temporary arrays of pair formation stay the size of one partition.

    Returns:
        (`l, r, rule, rules` frame sorted by l, r, where `rule` is the first rule that found the
        pair and `rules` a bit mask of every rule that did; per-rule statistics).

    Each (pair, rule) is packed into one 64-bit integer (left, right, rule index), so the union
    is a single integer sort: pairs are the distinct values without the rule bits, and a pair's
    rules are the rule bits of its run.
    """
    check_limits(records, rules)
    parts: list[np.ndarray] = []
    skipped: dict[str, int] = {rule.name: 0 for rule in rules}
    for part in range(max(1, partitions)):
        packed, part_skipped = partition_pairs(records, rules, link_only, part, partitions)
        parts.append(packed)
        for name, count in part_skipped.items():
            skipped[name] += count
    return union_pairs(parts, rules, skipped)


def check_limits(records: pl.DataFrame, rules: tuple[BlockingRule, ...]) -> None:
    """Rule and record counts must fit the 64-bit packing of (left, right, rule)."""
    if len(rules) > 1 << _RULE_BITS:
        raise ValueError(f"at most {1 << _RULE_BITS} blocking rules")
    if records.height >= 1 << _SIDE_BITS:
        raise ValueError(f"at most {1 << _SIDE_BITS} records per run")


def partition_pairs(
    records: pl.DataFrame, rules: tuple[BlockingRule, ...], link_only: bool, part: int, partitions: int
) -> tuple[np.ndarray, dict[str, int]]:
    """Every (pair, rule) of the blocks in one key partition, packed into 64-bit integers
    (left, right, rule index; see `union_pairs`), and the records skipped per rule.

    Record numbers are the `_i` of `records`, so partitions formed from different slices of the
    same numbered records (a Spark group) pack into one shared space."""
    shift_l, shift_r = np.uint64(_SIDE_BITS + _RULE_BITS), np.uint64(_RULE_BITS)
    parts: list[np.ndarray] = []
    skipped: dict[str, int] = {}
    for index, rule in enumerate(rules):
        left, right, count = rule_pairs(records, rule, link_only, part, partitions)
        skipped[rule.name] = count
        parts.append((left.astype(np.uint64) << shift_l) | (right.astype(np.uint64) << shift_r) | np.uint64(index))
    return (np.concatenate(parts) if parts else np.zeros(0, dtype=np.uint64)), skipped


def union_pairs(
    parts: list[np.ndarray], rules: tuple[BlockingRule, ...], skipped: dict[str, int]
) -> tuple[pl.DataFrame, dict[str, int]]:
    """The distinct pairs of packed (pair, rule) integers from any number of partitions, with
    the first rule that found each and the bit mask of all that did; per-rule statistics."""
    packed = np.sort(np.concatenate(parts)) if parts else np.zeros(0, dtype=np.uint64)
    stats: dict[str, int] = {}
    if len(packed) == 0:
        for rule in rules:
            stats[f"pairs_{rule.name}"] = 0
            stats[f"skipped_records_{rule.name}"] = skipped.get(rule.name, 0)
        stats["candidate_pairs"] = 0
        return pl.DataFrame(schema=PAIR_INDEX), stats
    shift_r = np.uint64(_RULE_BITS)
    pair = packed >> shift_r
    starts = np.flatnonzero(np.r_[True, pair[1:] != pair[:-1]])
    rule_index = (packed & np.uint64((1 << _RULE_BITS) - 1)).astype(np.uint64)
    bits = np.bitwise_or.reduceat(np.left_shift(np.uint64(1), rule_index), starts)
    unique_pairs = pair[starts]
    del packed, pair
    for index, rule in enumerate(rules):
        # pairs found by the rule (a pair found twice by one rule, through two elements of a
        # list key, counts once)
        stats[f"pairs_{rule.name}"] = int(((bits >> np.uint64(index)) & np.uint64(1)).sum())
        stats[f"skipped_records_{rule.name}"] = skipped.get(rule.name, 0)
    out = pl.DataFrame(
        {
            "l": (unique_pairs >> np.uint64(_SIDE_BITS)).astype(np.uint32),
            "r": (unique_pairs & np.uint64((1 << _SIDE_BITS) - 1)).astype(np.uint32),
            "rule": rule_index[starts].astype(np.uint8),  # runs are sorted: the first is the lowest
            "rules": bits,
        }
    )
    stats["candidate_pairs"] = out.height
    return out, stats
