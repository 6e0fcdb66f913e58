"""The `resolve` pipeline stage: warehouse records in, crosswalks, pairs and id maps out.

Reads `staging.int_person_records` (and `staging.int_org_records` when the staging stage built
it), resolves each kind with the same engine as `govdata resolve`, and writes schema `er`:

* `er.person_xref (source, record_id, person_id)`, `er.org_xref (source, record_id, org_id)`:
  one row per record, replaced on every run.
* `er.person_pairs`, `er.org_pairs`: every compared candidate pair with its comparison vector,
  weight, probability, decision, reason and, for linked pairs, the `rule` that linked them
  (`match_weight`, `same_identifier`, `identical_content`, `unique_name_address`,
  `unique_name_household`, `unique_name_phone`); replaced on every run.
* `er.person_match_model`, `er.org_match_model`: the fitted model (m, u and weight of every
  comparison level, and the prior), so that a pair's weight can be read off its levels.
* `er.person_id_map`, `er.org_id_map` (+ `_id_keys`, `_id_log`): persistent, see `idmap`.

Every table is written beside the live one and all go live in one transaction at the end
(`staged`), so a failed run leaves the previous results intact.
"""

from __future__ import annotations

import duckdb
import polars as pl

from pipelines.resolve.idmap import ORG_TABLES, PERSON_TABLES, IdMapTables, assign_ids
from pipelines.resolve.model import Kind, Resolution, input_columns, read_columns
from pipelines.resolve.staged import StagedWrites, TableWrites
from pipelines.settings import Settings, get_settings

PERSON_RECORDS = "staging.int_person_records"
ORG_RECORDS = "staging.int_org_records"
JOBS: tuple[tuple[Kind, str, IdMapTables], ...] = (
    ("persons", PERSON_RECORDS, PERSON_TABLES),
    ("orgs", ORG_RECORDS, ORG_TABLES),
)


def _table_exists(con: duckdb.DuckDBPyConnection, qualified: str) -> bool:
    schema, _, name = qualified.partition(".")
    row = con.execute(
        "select count(*) from information_schema.tables where table_schema = ? and table_name = ?",
        [schema, name],
    ).fetchone()
    return bool(row and row[0])


def _read_records(con: duckdb.DuckDBPyConnection, table: str, kind: Kind) -> pl.DataFrame:
    """The record table's contract columns as text (extra lineage columns are not needed)."""
    schema, name = table.split(".")
    present = [row[0] for row in con.execute(
        "select column_name from information_schema.columns where table_schema = ? and table_name = ?", [schema, name]
    ).fetchall()]
    cols = read_columns(kind, present)
    select = ", ".join(f"cast({c} as varchar) as {c}" for c in cols)
    frame = pl.from_arrow(con.execute(f"select {select} from {table}").to_arrow_table())
    assert isinstance(frame, pl.DataFrame)
    if frame.height == 0:
        return pl.DataFrame(schema=dict.fromkeys(cols, pl.String))
    return frame


def _write(writes: TableWrites, table: str, frame: pl.DataFrame) -> None:
    """Replace a table by a Polars frame (full replacement: reruns are idempotent), staged to go
    live with the run's other tables (`staged.StagedWrites`).

    The frame goes to DuckDB as Arrow with string views, which shares the frame's buffers (see
    `staged._register`). One `create table as` of the whole frame, not slices: DuckDB then scans
    it in parallel (slices of 500,000 rows took 15.9 s against 8.4 s, with about the same peak).
    The column names, order and types are the frame's.
    """
    writes.replace(table, frame)


def _resolve_kind(
    con: duckdb.DuckDBPyConnection,
    settings: Settings,
    kind: Kind,
    table: str,
    tables: IdMapTables,
    writes: TableWrites,
) -> dict[str, int]:
    """Read, resolve and write one kind: map clusters to persistent ids, write its `er` tables.

    Only this kind's records are in memory while it is resolved (the stage used to read both
    kinds first, holding the organisations through the persons' resolution), and the raw
    records are read inside the resolver (`resolve_loaded`), so no frame here or in between
    holds them once they are standardised. Each frame of the resolution is dropped as soon as the step after
    it no longer needs it (the id-map keys after `assign_ids`, the run-local crosswalk after
    the translation to persistent ids), so the audit table is written beside as little else as
    possible. The tables go to `writes` (staged, made live by the caller). Returns this kind's
    counts for meta.runs.
    """
    from pipelines.resolve.api import resolve_loaded

    resolution: Resolution = resolve_loaded(kind, lambda: _read_kind(con, table, kind), settings.as_of)
    rows_in = resolution.xref.height  # one crosswalk row per input record (`Resolution`)
    id_col = f"{tables.entity}_id"
    clusters = _with_keys(resolution.xref, resolution.keys).with_columns(
        pl.col("entity_id").rank("dense").cast(pl.Int64).alias("cluster")
    )
    resolution.keys = pl.DataFrame()
    ids = assign_ids(con, tables, clusters.select("source", "record_id", "cluster", "keys"), settings.as_of, writes)
    del clusters
    xref = _sorted_by_record(ids.rename({"entity_id": id_col}))
    del ids
    _write(writes, f"er.{tables.entity}_xref", xref)
    rows_out = xref.height
    n_entities = xref.get_column(id_col).n_unique()
    # Pairs carry run-local cluster ids: translate them to persistent ids for auditors.
    pairs = _with_persistent_ids(resolution.pairs, resolution.xref, xref, id_col)
    resolution.pairs = resolution.xref = pl.DataFrame()
    del xref
    _write(writes, f"er.{tables.entity}_pairs", pairs)
    del pairs
    if resolution.model is not None:
        _write(writes, f"er.{tables.entity}_match_model", resolution.model.describe())
    return {f"{kind}_in": rows_in, f"{kind}_out": rows_out, f"{tables.entity}_entities": n_entities}


def _with_keys(xref: pl.DataFrame, keys: pl.DataFrame) -> pl.DataFrame:
    """The crosswalk with each record's id-map keys (`keys`), as a left join on (source,
    record_id) gives them.

    The resolver builds both frames from the same records in the same order, so when their
    key columns are equal row for row, without nulls (a join never matches a null key) and with
    unique record ids (a join would repeat a repeated record), the `keys` column is appended as
    it is: a join on two text columns of millions of rows was the stage's peak after the
    resolution. Any other layout is joined.
    """
    aligned = (
        xref.height == keys.height
        and xref.get_column("source").equals(keys.get_column("source"), null_equal=True)
        and xref.get_column("record_id").equals(keys.get_column("record_id"), null_equal=True)
        and keys.get_column("source").null_count() == 0
        and keys.get_column("record_id").null_count() == 0
        and keys.get_column("record_id").is_unique().all()
    )
    if aligned:
        return xref.with_columns(keys.get_column("keys"))
    return xref.join(keys, on=["source", "record_id"], how="left")


def _read_kind(con: duckdb.DuckDBPyConnection, table: str, kind: Kind) -> pl.DataFrame:
    """The kind's records, or an empty frame of its input columns when the staging stage did
    not build its table."""
    if _table_exists(con, table):
        return _read_records(con, table, kind)
    return pl.DataFrame(schema=dict.fromkeys(input_columns(kind), pl.String))


def _sorted_by_record(frame: pl.DataFrame) -> pl.DataFrame:
    """`frame` sorted by (source, record_id), the crosswalk's stored order (readers filter on
    `source`, so its blocks stay apart). The records arrive in that order from the staging
    table, so the order is checked first (one linear pass) and the sort, which on millions of
    strings costs many seconds, done only when needed."""
    source, record = pl.col("source"), pl.col("record_id")
    previous_source, previous_record = source.shift(), record.shift()
    in_order = (source > previous_source) | ((source == previous_source) & (record >= previous_record))
    keys_present = frame["source"].null_count() == 0 and frame["record_id"].null_count() == 0
    # (the first row has no previous one: its null comparison counts as in order)
    if keys_present and frame.select(in_order.fill_null(True).all()).item():
        return frame
    return frame.sort("source", "record_id")


def _with_persistent_ids(
    pairs: pl.DataFrame, local_xref: pl.DataFrame, ids: pl.DataFrame, id_col: str
) -> pl.DataFrame:
    """Add the persistent id of each side of each pair (left_<id>, right_<id>), in pair order.

    Args:
        pairs: the resolution's audit table (`left_source, left_record_id, right_source,
            right_record_id, ...`).
        local_xref: the resolution's crosswalk (`source, record_id, ...`, run-local ids).
        ids: `source, record_id, <id_col>`: the persistent id of every record of `local_xref`.

    The ids are what joining the pairs twice with (crosswalk x persistent ids) on `(source,
    record_id)` gives. When record ids are unique (the staging tables' contract), each side's
    id is looked up by `record_id` alone and kept only where the source agrees too, which is
    the same result: a join on one text key builds no row encoding of two key columns, and
    the two id columns are appended, so the pairs' own columns are shared, not copied (county
    persons: 0.5 GB more at the step's peak instead of 1.9 GB, 4.7 s instead of 8.3 s). Should a
    record id repeat, the whole-table joins are kept: they give every combination, as before.
    """
    if not ids.get_column("record_id").is_unique().all():
        both = local_xref.select("source", "record_id").join(ids, on=["source", "record_id"])
        for side in ("left", "right"):
            pairs = pairs.join(
                both.rename(
                    {"source": f"{side}_source", "record_id": f"{side}_record_id", id_col: f"{side}_{id_col}"}
                ),
                on=[f"{side}_source", f"{side}_record_id"],
                how="left",
            )
        return pairs
    lookup = ids.select("record_id", pl.col("source").alias("_source"), id_col)
    sides = []
    for side in ("left", "right"):
        found = (
            pairs.select(pl.col(f"{side}_record_id").alias("record_id"), pl.col(f"{side}_source").alias("source"))
            .join(lookup, on="record_id", how="left", maintain_order="left")
            .select(pl.when(pl.col("_source") == pl.col("source")).then(pl.col(id_col)).alias(f"{side}_{id_col}"))
        )
        sides.append(found.get_column(f"{side}_{id_col}"))
    return pairs.with_columns(sides)


def run_resolve(settings: Settings | None = None) -> dict[str, int]:
    """The resolve stage, recorded in meta.runs (rows in: records read; rows out: crosswalk rows)."""
    from pipelines.unchanged import run_unless_unchanged

    settings = settings or get_settings()
    # skipped when the records and everything else it depends on are as at its last run
    return run_unless_unchanged("resolve", settings, lambda: _run_resolve(settings))


def _run_resolve(settings: Settings) -> dict[str, int]:
    from pipelines.warehouse import record_stage

    with record_stage("resolve", settings) as run:
        if settings.engine == "spark":  # the resolver on Spark (pipelines.spark.stages)
            from pipelines.spark.stages import spark_resolve

            counts = spark_resolve(settings, run)
            _emit_lineage(settings, run.chain_run_id)
            return counts
        counts = _resolve_warehouse(settings)
        run.rows_in = counts.get("rows_in")
        run.rows_out = counts.get("rows_out")
        _emit_lineage(settings, run.chain_run_id)
    return counts


def _emit_lineage(settings: Settings, chain_run_id: str) -> None:
    """The record tables read and the `er` tables written (`pipelines.lineage`)."""
    from pipelines import lineage
    from pipelines.warehouse import connect

    with connect(settings, read_only=True) as con:
        written = [
            f"er.{name}"
            for (name,) in con.execute(
                "select table_name from information_schema.tables where table_schema = 'er' order by 1"
            ).fetchall()
        ]
    lineage.emit_stage(
        settings,
        "resolve",
        chain_run_id,
        inputs=[lineage.table_dataset(settings, t) for t in (PERSON_RECORDS, ORG_RECORDS)],
        outputs=[lineage.table_dataset(settings, t) for t in written],
    )


def _resolve_warehouse(settings: Settings | None = None) -> dict[str, int]:
    """Resolve persons and organisations in the warehouse; returns row counts for meta.runs.

    Returns:
        `rows_in` (records read), `rows_out` (crosswalk rows written) and per-kind counts
        `persons_in`, `persons_out`, `person_entities`, `orgs_in`, `orgs_out`, `org_entities`.
    """
    from pipelines.warehouse import connect

    settings = settings or get_settings()
    counts: dict[str, int] = {}
    con = connect(settings)
    writes = StagedWrites(con)
    try:
        # one kind at a time: each is read, resolved, written (staged) and freed before the next;
        # the tables of both go live together, so a failed run leaves the previous results
        for kind, table, tables in JOBS:
            counts.update(_resolve_kind(con, settings, kind, table, tables, writes))
        writes.swap()
    except BaseException:
        try:
            writes.discard()
        except duckdb.Error:
            pass
        raise
    finally:
        con.close()
    counts["rows_in"] = counts["persons_in"] + counts["orgs_in"]
    counts["rows_out"] = counts["persons_out"] + counts["orgs_out"]
    return counts
