"""Shared shapes of the resolver: input columns per kind and the `Resolution` result.

The column lists are the contract of `govdata resolve persons|orgs` and of the
`staging.int_*_records` tables; everything downstream relies on them, so they live in one place.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

import polars as pl

Kind = Literal["persons", "orgs"]

PERSON_COLUMNS: tuple[str, ...] = (
    "source",
    "record_id",
    "name",
    "id_number",
    "gender",
    "birth_date",
    "phone",
    "address",
)
ORG_COLUMNS: tuple[str, ...] = (
    "source",
    "record_id",
    "name",
    "uscc",
    "legal_rep",
    "address",
    "phone",
    "established",
)
KEY_COLUMNS: tuple[str, str] = ("source", "record_id")
# Optional person column: the business key (certificate number) of a record whose source issues
# one record per person in its role (`Party.one_per_person`: a birth certificate per child); two
# records of one source and role with different keys are two people. Null or absent elsewhere.
PERSON_OPTIONAL_COLUMNS: tuple[str, ...] = ("issued_key",)


def input_columns(kind: Kind) -> tuple[str, ...]:
    """The columns an input of this kind must carry (all text)."""
    return PERSON_COLUMNS if kind == "persons" else ORG_COLUMNS


def optional_columns(kind: Kind) -> tuple[str, ...]:
    """Columns an input of this kind may carry and the resolver then uses (all text)."""
    return PERSON_OPTIONAL_COLUMNS if kind == "persons" else ()


def read_columns(kind: Kind, available: list[str] | tuple[str, ...]) -> tuple[str, ...]:
    """The columns to read from an input holding `available`: the required ones and whichever
    optional ones it has."""
    return (*input_columns(kind), *(c for c in optional_columns(kind) if c in available))


@dataclass
class Resolution:
    """The result of resolving one set of records.

    Attributes:
        xref: one row per input record: `source, record_id, entity_id` (input order kept).
        pairs: every compared candidate pair with its comparison vector (`cmp_*` levels), match
            weight, probability, decision and the reason for the decision, so that an auditor can
            see why two records were (or were not) joined.
        keys: `source, record_id, keys` (List[String]): the persistent keys of each record that
            the id map uses to carry entity ids across runs (see `idmap`).
        stats: counts and timings of the run (records, candidate pairs, matches, clusters).
        model: the fitted Fellegi-Sunter model (m, u, weights per comparison level), for reports.
    """

    xref: pl.DataFrame
    pairs: pl.DataFrame
    keys: pl.DataFrame
    stats: dict[str, float] = field(default_factory=dict)
    model: Any = None
