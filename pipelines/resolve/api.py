"""Public entry points of entity resolution (used by the CLI, the pipeline stage and benchmarks).

    resolve_file(kind, input, output, truth=None) -> metrics | None
    resolve_persons(df) -> Resolution
    resolve_orgs(df) -> Resolution

Input frames carry the contract columns of their kind (all text, as delivered); standardising
them is part of resolution. Entity ids here are deterministic labels (`P00000001`, ... numbered
by each cluster's smallest `(source, record_id)`), so the same input always gives the same ids;
the pipeline stage maps them onto persistent ids (see `idmap`).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

import polars as pl

from pipelines.errors import GovdataError
from pipelines.resolve.engine import DistinctContents
from pipelines.resolve.metrics import evaluate
from pipelines.resolve.model import Kind, Resolution, input_columns, read_columns


class ResolveInputError(GovdataError):
    """The input or truth file cannot be resolved as given (the message says which and why)."""


def _check(df: pl.DataFrame, kind: Kind, where: str = "input") -> pl.DataFrame:
    """The contract columns as text, and the optional ones present (`issued_key`); other extra
    columns are ignored; a missing contract column is an error.

    Rows are never dropped or merged here: the result has one row per input row, in order, even
    when a `(source, record_id)` repeats.
    """
    missing = [c for c in input_columns(kind) if c not in df.columns]
    if missing:
        raise ResolveInputError(f"resolve {kind}: {where} lacks column(s) {', '.join(missing)}")
    return df.select([pl.col(c).cast(pl.String) for c in read_columns(kind, df.columns)])


def resolve_persons(df: pl.DataFrame, as_of: date | None = None) -> Resolution:
    """Resolve person records (`source, record_id, name, id_number, gender, birth_date, phone,
    address`, text as delivered) into person entities."""
    return resolve_loaded("persons", lambda: df, as_of)


def resolve_orgs(df: pl.DataFrame, as_of: date | None = None) -> Resolution:
    """Resolve organisation records (`source, record_id, name, uscc, legal_rep, address, phone,
    established`, text as delivered) into organisations."""
    return resolve_loaded("orgs", lambda: df, as_of)


def resolve_loaded(
    kind: Kind, load: Callable[[], pl.DataFrame | DistinctContents], as_of: date | None = None
) -> Resolution:
    """Resolve the records `load` returns, as `resolve_persons` / `resolve_orgs` do: a frame of
    the kind's columns, or their distinct contents (`engine.DistinctContents`, which the caller
    made of the kind's columns as text, as the pipeline stage does in DuckDB).

    The records are loaded here and handed on with no other reference, so the resolver frees
    them once they are standardised. A caller that passes a frame keeps it alive through the
    whole resolution (its own variable, or the parameter of the function it called): at county
    the persons' records are 0.36 GB, about 1.2 GB in the process while they are read.
    """
    if kind == "persons":
        from pipelines.resolve.persons import resolve_person_records as resolver
    else:
        from pipelines.resolve.orgs import resolve_org_records as resolver
    return resolver(_checked(load(), kind), as_of)


def _checked(records: pl.DataFrame | DistinctContents, kind: Kind) -> pl.DataFrame | DistinctContents:
    """A frame as `_check` gives it; distinct contents as they are (their maker checked them)."""
    return _check(records, kind) if isinstance(records, pl.DataFrame) else records


def _read(path: Path, what: str) -> pl.DataFrame:
    if not path.exists():
        raise ResolveInputError(f"{what} file {path} does not exist")
    try:
        return pl.read_parquet(path)
    except (pl.exceptions.PolarsError, OSError) as exc:
        raise ResolveInputError(f"{what} file {path} is not readable Parquet: {exc}") from None


def resolve_file(kind: Kind, input: Path, output: Path, truth: Path | None = None) -> dict[str, float] | None:
    """Resolve a Parquet file of records and write `source, record_id, entity_id` to `output`.

    One output row per input row, in input order. With `truth` (`source, record_id, true_id`)
    returns pairwise and B-cubed precision, recall and F1 (keys `pairwise_precision`,
    `pairwise_recall`, `pairwise_f1`, `bcubed_precision`, `bcubed_recall`, `bcubed_f1`).
    """
    if kind not in ("persons", "orgs"):
        raise ResolveInputError(f"resolve: kind must be persons or orgs, not {kind!r}")
    df = _read(Path(input), "input")
    resolution = resolve_persons(df) if kind == "persons" else resolve_orgs(df)
    output = Path(output)
    output.parent.mkdir(parents=True, exist_ok=True)
    resolution.xref.select("source", "record_id", "entity_id").write_parquet(output)
    if truth is None:
        return None
    true = _read(Path(truth), "truth")
    missing = [c for c in ("source", "record_id", "true_id") if c not in true.columns]
    if missing:
        raise ResolveInputError(f"truth file {truth} lacks column(s) {', '.join(missing)}")
    return evaluate(resolution.xref, true)
