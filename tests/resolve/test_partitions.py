"""Partitioned resolution (issue 22): the blocking partitions change memory, never results.

Pairs are formed from the blocks whose key hashes into one partition at a time, and scored a
partition's worth at a time; the model is fitted once on all pairs. Whatever the number of
partitions, the clusters, the audit of pairs and the model must be those of one partition.
"""

from __future__ import annotations

import dataclasses
from datetime import date

import numpy as np
import polars as pl
import pytest

from pipelines.resolve.blocking import BlockingRule, candidate_pairs
from pipelines.resolve.engine import partition_count, resolve, standardise_in_batches
from pipelines.resolve.fellegi_sunter import fit_em, patterns
from pipelines.resolve.orgs import org_config
from pipelines.resolve.persons import person_config
from pipelines.resolve.standardise import (
    standardise_orgs,
    standardise_person_rows,
    standardise_persons,
    with_row_addresses,
)
from tests.resolve.conftest import background_persons, frame, id18

AS_OF = date(2026, 11, 1)


def _traps() -> pl.DataFrame:
    """Twins at one house, conflicting valid IDs sharing name and birth date, a sparse account."""
    twin_a, twin_b = id18("37152320100301001"), id18("37152320100301002")
    other = id18("37152319800101003")
    rows = [
        {"source": "hukou", "record_id": "t1", "name": "王大明", "id_number": twin_a, "birth_date": "2010-03-01", "address": "菜屯镇王庄村5号", "phone": "13800000001"},
        {"source": "hukou", "record_id": "t2", "name": "王小明", "id_number": twin_b, "birth_date": "2010-03-01", "address": "菜屯镇王庄村5号", "phone": "13800000001"},
        {"source": "jiaoyu", "record_id": "t3", "name": "王大明", "birth_date": "2010-03-01", "address": "菜屯镇王庄村5号", "phone": "13800000001"},
        {"source": "jiaoyu", "record_id": "t4", "name": "王小明", "birth_date": "2010-03-01", "address": "菜屯镇王庄村5号"},
        {"source": "hukou", "record_id": "c1", "name": "张伟", "id_number": other, "birth_date": "1980-01-01", "phone": "13900000002"},
        {"source": "shebao", "record_id": "c2", "name": "张伟", "id_number": id18("37152319800101004"), "birth_date": "1980-01-01", "phone": "13900000002"},
        {"source": "weijian", "record_id": "c3", "name": "张伟", "birth_date": "1980-01-01", "phone": "13900000002"},
        {"source": "gongdian", "record_id": "s1", "name": "王大铭", "address": "菜屯镇王庄村5号"},
        # two birth certificates (one per child) chained by a clinic's record
        {"source": "weijian", "record_id": "b1#self", "name": "魏思远", "birth_date": "2026-04-02", "gender": "男",
         "address": "胡屯镇魏庄村14号", "issued_key": "Q371523260030"},
        {"source": "weijian", "record_id": "b2#self", "name": None, "birth_date": "2026-04-02", "gender": "男",
         "address": "杜郎口镇韦营村9号", "issued_key": "Q371523260031"},
        {"source": "clinic", "record_id": "b3", "name": "魏思远", "birth_date": "2026-04-02", "gender": "男", "address": "杜郎口镇韦营村9号"},
    ]
    return frame(rows)


def _clusters(xref: pl.DataFrame) -> set[frozenset[tuple[str, str]]]:
    groups = xref.group_by("entity_id").agg(pl.struct("source", "record_id").alias("m"))
    return {frozenset((m["source"], m["record_id"]) for m in members) for members in groups["m"].to_list()}


def _resolve_persons(records: pl.DataFrame, partition_records: int):
    std = standardise_persons(records, AS_OF)
    config = dataclasses.replace(person_config(), partition_records=partition_records)
    return resolve(std, config)


@pytest.mark.parametrize("partition_records", [40, 150])
def test_partitioned_persons_equal_one_partition(partition_records: int) -> None:
    records = pl.concat([background_persons(120), _traps()])
    whole = _resolve_persons(records, 10**9)
    parts = _resolve_persons(records, partition_records)
    assert whole.stats["partitions"] == 1
    assert parts.stats["partitions"] >= 2
    assert _clusters(parts.xref) == _clusters(whole.xref)
    assert parts.xref.equals(whole.xref)
    # the audit of pairs and the model are the same too (pairs in the same order)
    assert parts.pairs.equals(whole.pairs)
    assert parts.model.describe().equals(whole.model.describe())
    for key in ("candidate_pairs", "matches", "pairs_name_dob", "skipped_records_phone_address"):
        assert parts.stats[key] == whole.stats[key]
    # the traps still hold when their records fall into different partitions
    ids = dict(zip(zip(parts.xref["source"], parts.xref["record_id"]), parts.xref["entity_id"], strict=True))
    assert ids[("hukou", "t1")] != ids[("hukou", "t2")]
    assert ids[("hukou", "c1")] != ids[("shebao", "c2")]
    assert ids[("weijian", "b1#self")] != ids[("weijian", "b2#self")]


def test_partitioned_orgs_equal_one_partition() -> None:
    rows = []
    for k in range(60):
        code = f"9137150{k:04d}MA3C{k:04d}"
        for s, source in enumerate(("shichang", "shuiwu")):
            rows.append({"source": source, "record_id": f"o{k}-{s}", "name": f"聊城市茌平区第{k}建材有限公司", "uscc": code if s == 0 else None,
                         "legal_rep": "李" + "春夏秋冬"[k % 4], "address": f"振兴街道{k}号", "phone": f"0635{k:07d}"})
    records = frame(rows, kind="orgs")
    std = standardise_orgs(records, AS_OF)
    whole = resolve(std, dataclasses.replace(org_config(), partition_records=10**9))
    parts = resolve(std, dataclasses.replace(org_config(), partition_records=25))
    assert parts.stats["partitions"] > 2
    assert parts.xref.equals(whole.xref)
    assert parts.pairs.equals(whole.pairs)


def test_blocks_fall_wholly_into_one_partition() -> None:
    """Each rule's block is in one partition, so oversized blocks are still skipped."""
    records = pl.DataFrame({"_i": np.arange(12, dtype=np.uint32), "_src": np.zeros(12, dtype=np.uint32), "k": ["a"] * 5 + ["b"] * 4 + ["c"] * 3})
    rules = (BlockingRule("k", ("k",), max_block=4),)
    one, one_stats = candidate_pairs(records, rules, partitions=1)
    many, many_stats = candidate_pairs(records, rules, partitions=5)
    assert one.equals(many)
    assert one.height == 6 + 3  # the block of five is skipped
    assert one_stats == many_stats
    assert many_stats["skipped_records_k"] == 5


def test_em_on_pattern_counts_equals_em_on_pairs() -> None:
    """The distributed path gathers (pattern, count) rows only; the fit must be identical."""
    rng = np.random.default_rng(3)
    comps = person_config().comparisons
    levels = np.column_stack([rng.integers(-1, c.n_levels, 5000) for c in comps]).astype(np.int8)
    pats, counts, _ = patterns(levels)
    a = fit_em(levels, list(comps))
    b = fit_em(pats, list(comps), counts=counts)
    assert a.prior == b.prior
    assert all(np.array_equal(x, y) for x, y in zip(a.m, b.m, strict=True))


def test_partition_count_follows_the_setting() -> None:
    config = dataclasses.replace(person_config(), partition_records=1000)
    assert partition_count(999, config) == 1
    assert partition_count(1000, config) == 1
    assert partition_count(1001, config) == 2
    assert partition_count(0, config) == 1



def test_standardising_distinct_contents_in_batches_equals_standardising_all() -> None:
    """Repeated records (a payment roll) are standardised once; batches change nothing, the row
    addresses of bare names included (they look across a delivered row's records, which batches
    split, so they are added over the whole frame afterwards)."""
    records = pl.concat([background_persons(60), _traps(), _death_rows()], how="diagonal_relaxed")
    repeated = pl.concat([records, records.with_columns(pl.col("record_id") + "-copy")]).sample(fraction=1.0, shuffle=True, seed=5)
    config = dataclasses.replace(person_config(), partition_records=50)
    batched = with_row_addresses(standardise_in_batches(standardise_person_rows, repeated, AS_OF, config))
    whole = standardise_persons(repeated, AS_OF)
    assert batched.equals(whole)
    contacts = whole.filter(pl.col("record_id").str.contains("#contact"))
    assert contacts.height == 2 * 3
    # every contact, in whichever batch its deceased fell, has the deceased's address
    assert contacts["row_addr_n"].null_count() == 0


def _death_rows() -> pl.DataFrame:
    """Death records naming a family contact by name alone (`<row id>#<role>` record ids)."""
    rows = []
    for i in range(3):
        rows.append({"source": "weijian", "record_id": f"d{i}#deceased", "name": f"赵{'一二三'[i]}",
                     "id_number": id18(f"37152319500101{i:03d}"), "birth_date": "1950-01-01",
                     "address": f"菜屯镇赵庄村{i + 1}号"})
        rows.append({"source": "weijian", "record_id": f"d{i}#contact", "name": f"赵{'四五六'[i]}"})
    return frame(rows)
