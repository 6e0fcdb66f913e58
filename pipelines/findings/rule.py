"""What a findings rule is: declared once (code, Chinese title, GB/T 36344 dimension, severity,
parameters each with its reason) and a detector that reads the warehouse.

A detector returns two frames keyed by `finding_key` (the rule's business identity of one
contradiction, e.g. `<person id>|<payment source>`): the findings (entity, Chinese summary,
amount, measured values as a dict) and their evidence rows (role, source, record id, file and
line, a short detail). The stage turns `finding_key` into the stable `finding_id`, so a detector
never sees run ids, file hashes or statuses.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import duckdb
import polars as pl

SEVERITIES = ("high", "medium", "low", "lead")

FINDING_COLUMNS = {
    "finding_key": pl.String,
    "entity_kind": pl.String,
    "entity_id": pl.String,
    "summary": pl.String,
    "amount": pl.Float64,
    "measured": pl.String,
}
EVIDENCE_COLUMNS = {
    "finding_key": pl.String,
    "role": pl.String,
    "source": pl.String,
    "record_id": pl.String,
    "source_file": pl.String,
    "line": pl.String,
    "detail": pl.String,
}


@dataclass(frozen=True)
class Param:
    """A rule parameter and why it has this value (shown in the README and the report)."""

    value: Any
    reason: str


@dataclass(frozen=True)
class Detection:
    """What a detector found: findings and evidence, both keyed by `finding_key`."""

    findings: pl.DataFrame
    evidence: pl.DataFrame
    note: str = ""

    @classmethod
    def empty(cls, note: str = "") -> Detection:
        return cls(pl.DataFrame(schema=FINDING_COLUMNS), pl.DataFrame(schema=EVIDENCE_COLUMNS), note)


@dataclass(frozen=True)
class RuleContext:
    """What a detector may use: a read connection to the warehouse and the as-of date."""

    con: duckdb.DuckDBPyConnection
    as_of: date
    address_prefixes: tuple[str, ...] = ()
    """Province, city and county names (current and historic) an address may start with."""
    county_code: str = ""
    historic_county_codes: tuple[str, ...] = ()
    """The county's division code and the codes it had before (division codes in older records)."""

    def current_division(self, column: str) -> str:
        """SQL: a division code with a historic county prefix replaced by the current one."""
        if not self.historic_county_codes or not self.county_code:
            return column
        codes = ", ".join(f"'{c}'" for c in self.historic_county_codes)
        return f"(case when left({column}, 6) in ({codes}) then '{self.county_code}' || substr({column}, 7) else {column} end)"

    @classmethod
    def from_settings(cls, con: duckdb.DuckDBPyConnection, settings: Any) -> RuleContext:
        county = settings.county
        names = (county.province, county.city, county.name, *(h.name for h in county.historic_codes))
        historic = tuple(h.code for h in county.historic_codes if h.code != county.code)
        return cls(con, settings.as_of, tuple(dict.fromkeys(names)), county.code, historic)

    def has(self, *tables: str) -> list[str]:
        """The tables among `tables` that do not exist (empty when all do)."""
        from pipelines.warehouse import table_exists

        return [t for t in tables if not table_exists(self.con, t)]

    def frame(self, sql: str, params: dict[str, Any] | None = None) -> pl.DataFrame:
        return self.con.execute(sql, params or {}).pl()


Detector = Callable[["Rule", RuleContext], Detection]


@dataclass(frozen=True)
class Rule:
    """One authenticity rule, declared once."""

    code: str
    title: str  # Chinese title (the report's heading)
    dimension: str  # GB/T 36344 dimension, in Chinese
    severity: str
    entity_kind: str
    description: str
    requires: tuple[str, ...]
    detect: Detector
    params: dict[str, Param] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.severity not in SEVERITIES:
            raise ValueError(f"rule {self.code}: severity {self.severity!r} not in {SEVERITIES}")

    def p(self, name: str) -> Any:
        """A parameter's value."""
        return self.params[name].value


def conform(frame: pl.DataFrame, schema: dict[str, pl.DataType]) -> pl.DataFrame:
    """`frame` with exactly `schema`'s columns in order and types (missing ones null)."""
    return frame.select(
        [(pl.col(n) if n in frame.columns else pl.lit(None)).cast(t).alias(n) for n, t in schema.items()]
    )
