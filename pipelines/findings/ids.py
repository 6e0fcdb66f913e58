"""Stable finding ids.

A finding's id is a function of its rule and its business identity (`finding_key`: the entity and
the business keys of its evidence, such as a payment scheme, a licence number, a credit code,
an indicator and period), never of file hashes or row numbers: a re-delivered snapshot or a
corrected row keeps the id, so an auditor's disposition stays attached to it.
"""

from __future__ import annotations

import hashlib

import polars as pl

ID_PREFIX = "F"


def finding_id(rule: str, finding_key: str) -> str:
    """`F` + the first 16 hex of SHA-256 over `<rule>|<finding_key>`."""
    return ID_PREFIX + hashlib.sha256(f"{rule}|{finding_key}".encode()).hexdigest()[:16]


def finding_id_expr(rule: str, key: pl.Expr | str = "finding_key") -> pl.Expr:
    """The same id as a Polars expression over a key column."""
    key_expr = pl.col(key) if isinstance(key, str) else key
    return key_expr.map_elements(lambda k: finding_id(rule, k), return_dtype=pl.String)
