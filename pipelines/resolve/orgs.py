"""Organisation resolution: the configuration of the engine for organisations' records.

The traps: the same company under an old name (renamed) or without its credit code, names
written with or without the legal form (有限公司), the county prefix or brackets, and common
shop names (便民超市) shared by unrelated individual businesses.

Blocking keys: credit code; organisation code (positions 9-17, survives a slip in the first
eight characters); name; name core (without place prefix and legal form); legal representative
+ phone / address / date of establishment; name core + phone / legal representative / address /
date of establishment; phone + date of establishment; address + date of establishment.
Comparisons: credit code (exact / one slip / two slips / different; two different valid codes
never match; the same valid code always matches, whatever the name), name core, legal representative (exact / same sound / similar),
address, phone, date of establishment.
"""

from __future__ import annotations

from datetime import date

import polars as pl

from pipelines.resolve.blocking import BlockingRule
from pipelines.resolve.compare import DateMatch, IdentifierMatch, NameMatch, PhoneMatch, char_ratio, string_similarity
from pipelines.resolve.engine import (
    DistinctContents,
    KeepApart,
    ResolverConfig,
    collapse_records,
    record_keys,
    resolution_columns,
    resolve_collapsed,
    standardise_distinct,
)
from pipelines.resolve.model import Resolution
from pipelines.resolve.standardise import PINYIN_SLOTS, standardise_orgs

REP_PINYIN = tuple(f"rep_py{i}" for i in range(PINYIN_SLOTS))


def org_config() -> ResolverConfig:
    """The organisation resolver's blocking, comparisons and decision rules."""
    comparisons = (
        string_similarity("name", "name_core", (0.9, 0.75), term_frequency="name_core", evidence=False),
        IdentifierMatch(name="uscc", column="uscc_n", valid_column="uscc_valid"),
        NameMatch(name="legal_rep", column="rep_n", pinyin_columns=REP_PINYIN),
        char_ratio("address", "addr_n", (0.9, 0.75)),
        PhoneMatch(name="phone", column="phone_n", tail_column="phone_tail"),
        DateMatch(name="established", column="est"),
    )
    blocking = (
        BlockingRule("uscc", ("uscc_n",)),
        BlockingRule("org_code", ("org_code",), masks=("uscc",)),
        BlockingRule("name", ("name_n",)),
        BlockingRule("name_core", ("name_core",)),
        BlockingRule("rep_phone", ("rep_n", "phone_n")),
        BlockingRule("rep_address", ("rep_n", "addr_n")),
        BlockingRule("rep_established", ("rep_n", "est")),
        BlockingRule("core_phone", ("name_core", "phone_n")),
        BlockingRule("phone_established", ("phone_n", "est")),
        # common names (便民超市) make huge name blocks, which are skipped: these find their pairs
        BlockingRule("core_rep", ("name_core", "rep_n")),
        BlockingRule("core_address", ("name_core", "addr_n")),
        BlockingRule("core_established", ("name_core", "est")),
        BlockingRule("address_established", ("addr_n", "est")),
        # a renamed organisation without its code may share nothing but one of these
        BlockingRule("address", ("addr_n",), max_block=50),
        BlockingRule("legal_rep", ("rep_n",), max_block=50),
    )
    return ResolverConfig(
        prefix="O",
        comparisons=comparisons,
        blocking=blocking,
        collapse_on="uscc_n",
        identifier=("uscc_n", "uscc_valid"),
        link_same_identifier=True,
        name="name",
        agree_levels={"uscc": 2, "legal_rep": 2, "address": 3, "phone": 2, "established": 3},
        keep_apart=(
            KeepApart(
                "conflicting dates of establishment and no shared credit code",
                when=(("established", "==", 0),),
                unless=(("uscc", 2),),
            ),
        ),
    )


def org_key_parts(std: pl.DataFrame) -> tuple[pl.Series, pl.Series]:
    """Per record, the content fingerprint and the valid credit code (null if none) that
    `engine.record_keys` turns into the id map's keys (see `persons.person_key_parts`)."""
    content = pl.concat_str(
        [pl.col(c).fill_null("") for c in ("source", "name_n", "uscc_n", "rep_n", "addr_n", "phone_n", "est")],
        separator="|",
    ).hash(seed=11)
    parts = std.select(content.alias("f"), pl.when(pl.col("uscc_valid")).then(pl.col("uscc_n")).alias("i"))
    return parts["f"], parts["i"]


def org_keys(std: pl.DataFrame) -> pl.DataFrame:
    """Persistent keys of each record for the id map (record, content fingerprint, valid code)."""
    return record_keys(std.select("source", "record_id"), *org_key_parts(std))


def resolve_org_records(records: pl.DataFrame | DistinctContents, as_of: date | None = None) -> Resolution:
    """Standardise raw organisation records and resolve them (see module docstring); memory as
    in `persons.resolve_person_records` (standard forms once per distinct content, without the
    raw text; records released once collapsed)."""
    config = org_config()
    std = standardise_distinct(standardise_orgs, records, as_of, config, keep=resolution_columns(config))
    del records
    at = std.records["_c"]
    parts = [part.gather(at) for part in org_key_parts(std.contents)]
    collapsed = collapse_records(std, config)
    del std
    resolution = resolve_collapsed(collapsed, config)
    resolution.keys = record_keys(collapsed.keys, *parts)
    return resolution
