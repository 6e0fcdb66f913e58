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

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
import polars as pl

from pipelines.resolve.engine import DistinctContents, distinct_contents
from pipelines.resolve.idmap import ORG_TABLES, PERSON_TABLES, IdMapTables, assign_ids
from pipelines.resolve.model import Kind, Resolution, input_columns, read_columns
from pipelines.resolve.staged import StagedWrites
from pipelines.settings import Settings, get_settings, memory_bytes

PERSON_RECORDS = "staging.int_person_records"
ORG_RECORDS = "staging.int_org_records"
JOBS: tuple[tuple[Kind, str, IdMapTables], ...] = (
    ("persons", PERSON_RECORDS, PERSON_TABLES),
    ("orgs", ORG_RECORDS, ORG_TABLES),
)


def _resolve_kind(
    con: duckdb.DuckDBPyConnection,
    settings: Settings,
    kind: Kind,
    table: str,
    tables: IdMapTables,
    writes: StagedWrites,
) -> dict[str, int]:
    """Read, resolve and write one kind (`write_resolution`); returns its counts for meta.runs.

    Only this kind's records are in memory while it is resolved (the stage used to read both
    kinds first, holding the organisations through the persons' resolution), and the raw
    records are read inside the resolver (`resolve_loaded`), so no frame here or in between
    holds them once they are standardised.
    """
    from pipelines.resolve.api import resolve_loaded

    with _duckdb_limited(con, settings):
        resolution: Resolution = resolve_loaded(
            kind, lambda: _read_kind(con, table, kind, settings.resolve.partition_records), settings.as_of
        )
    rows_in = resolution.xref.height  # one crosswalk row per input record (`Resolution`)
    xref = write_resolution(con, settings, resolution, tables, writes)
    n_entities = xref.get_column(f"{tables.entity}_id").n_unique()
    return {f"{kind}_in": rows_in, f"{kind}_out": xref.height, f"{tables.entity}_entities": n_entities}


def write_resolution(
    con: duckdb.DuckDBPyConnection,
    settings: Settings,
    resolution: Resolution,
    tables: IdMapTables,
    writes: StagedWrites,
) -> pl.DataFrame:
    """Persistent ids for a resolution and its `er` tables, staged in `writes` (made live by the
    caller); returns the crosswalk (`source, record_id, <entity>_id`, in stored order). The
    local stage and the Spark one (`pipelines.spark.stages`) both write through here.

    The resolution is consumed: each of its frames is dropped as soon as the step after it no
    longer needs it. The audit table is put aside first (a Parquet file beside the spill folder,
    so neither Python nor DuckDB holds it: county persons' 0.8 GB, which was held through the id
    map's steps) and gets its persistent ids in DuckDB (`stage_pairs_with_ids`); the id-map keys
    go after `assign_ids`, the run-local crosswalk after the pairs' ids.
    """
    entity = tables.entity
    scratch = writes.put_aside(f"er.{entity}_pairs", resolution.pairs.with_row_index("_pair_seq"))
    resolution.pairs = pl.DataFrame()
    clusters = _with_keys(resolution.xref, resolution.keys).with_columns(
        pl.col("entity_id").rank("dense").cast(pl.Int64).alias("cluster")
    )
    resolution.keys = pl.DataFrame()
    ids = assign_ids(con, tables, clusters.drop("entity_id"), settings.as_of, writes)
    del clusters
    xref = _sorted_by_record(ids.rename({"entity_id": f"{entity}_id"}))
    del ids
    writes.replace(f"er.{entity}_xref", xref)
    # Pairs carry run-local cluster ids: translate them to persistent ids for auditors.
    stage_pairs_with_ids(writes, entity, scratch, None if _records_unique(xref) else resolution.xref)
    resolution.xref = pl.DataFrame()
    writes.drop_scratch()
    if resolution.model is not None:
        writes.replace(f"er.{entity}_match_model", resolution.model.describe())
    return xref


def _with_keys(xref: pl.DataFrame, keys: pl.DataFrame) -> pl.DataFrame:
    """The crosswalk with each record's id-map keys (`keys`: their parts, `engine.record_keys`,
    or a `keys` list), as a left join on (source, record_id) gives them.

    The resolver builds both frames from the same records in the same order, so when their
    key columns are equal row for row, without nulls (a join never matches a null key) and with
    unique record ids (a join would repeat a repeated record), the key columns are appended as
    they are: a join on two text columns of millions of rows was the stage's peak after the
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
        return xref.with_columns(keys.drop("source", "record_id"))
    return xref.join(keys, on=["source", "record_id"], how="left")


def _read_kind(
    con: duckdb.DuckDBPyConnection, table: str, kind: Kind, batch_rows: int
) -> pl.DataFrame | DistinctContents:
    """The kind's records as their distinct contents (`_read_distinct`), or an empty frame of
    the input columns when the staging stage did not build its table."""
    from pipelines.warehouse import table_exists

    if table_exists(con, table):
        return _read_distinct(con, table, kind, batch_rows)
    return pl.DataFrame(schema=dict.fromkeys(input_columns(kind), pl.String))


def _read_distinct(con: duckdb.DuckDBPyConnection, table: str, kind: Kind, batch_rows: int) -> DistinctContents:
    """The table's records as their distinct contents (`engine.distinct_contents`), read twice
    a batch of `batch_rows` at a time in table order (as a plain read gives them): the raw
    records are never in Python whole. Text as delivered, the kind's columns (`read_columns`)."""
    schema, name = table.split(".")
    present = [row[0] for row in con.execute(
        "select column_name from information_schema.columns where table_schema = ? and table_name = ?", [schema, name]
    ).fetchall()]
    cols = read_columns(kind, present)
    query = f"select {', '.join(f'cast({c} as varchar) as {c}' for c in cols)} from {table}"

    def read() -> Iterator[pl.DataFrame]:
        empty = True
        for batch in con.execute(query).to_arrow_reader(batch_rows):
            frame = pl.from_arrow(batch)
            assert isinstance(frame, pl.DataFrame)
            empty = False
            yield frame
        if empty:
            yield pl.DataFrame(schema=dict.fromkeys(cols, pl.String))

    return distinct_contents(read)


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


def scratch_folder(settings: Settings) -> Path:
    """Where the stage puts aside what it needs back later: beside DuckDB's spill folder
    (`<spill folder>.resolve`), the place the settings give for large temporary data."""
    spill = settings.duckdb_temp_path()
    return spill.with_name(spill.name + ".resolve")


def _records_unique(xref: pl.DataFrame) -> bool:
    """Whether no `(source, record_id)` repeats in a crosswalk sorted by them (`_sorted_by_record`):
    no row equals the one before it (one pass, no hash table of millions of strings)."""
    if xref["source"].null_count() or xref["record_id"].null_count():
        return False
    source, record = pl.col("source"), pl.col("record_id")
    repeats = (source == source.shift()) & (record == record.shift())
    return not xref.select(repeats.fill_null(False).any()).item()


def stage_pairs_with_ids(
    writes: StagedWrites, entity: str, scratch: str, local_xref: pl.DataFrame | None = None
) -> None:
    """Stage `er.<entity>_pairs`: the audit table put aside as `scratch` (a relation, numbered by
    `_pair_seq`) with the persistent id of each side (`left_<entity>_id`, `right_<entity>_id`),
    in pair order, from the crosswalk staged as `er.<entity>_xref`.

    Each side's id is what joining the pairs with (crosswalk x persistent ids) on `(source,
    record_id)` gives. When record ids are unique (the staging tables' contract) the run-local
    crosswalk adds nothing and the staged crosswalk is joined alone; should a record id repeat,
    pass the run-local crosswalk `local_xref` (`source, record_id`): its join with the staged one
    gives every combination, as before. DuckDB joins what was written, so no frame of the pairs
    is held (and its joins spill, were they to exceed the memory limit).
    """
    id_col = f"{entity}_id"
    staged_xref = writes.staged(f"er.{entity}_xref")
    both = staged_xref
    if local_xref is not None:
        writes.con.register("_local_xref", local_xref.select("source", "record_id").to_arrow())
        both = (f"(select l.source, l.record_id, i.{id_col} from _local_xref l "
                f"join {staged_xref} i using (source, record_id))")
    sides = f"""
        left join {both} l on l.source = p.left_source and l.record_id = p.left_record_id
        left join {both} r on r.source = p.right_source and r.record_id = p.right_record_id
    """
    if local_xref is None:
        # One id per side and pair (the crosswalk's keys are unique): the ids are looked up for
        # the pairs' keys alone, put in pair order, and set beside the pairs as they are read
        # (a positional join), so only those narrow rows are sorted, not the whole audit table.
        keys = "_pair_seq, left_source, left_record_id, right_source, right_record_id"
        query = f"""
            select p.* exclude (_pair_seq), i.left_{id_col}, i.right_{id_col}
            from {scratch} p positional join (
                select l.{id_col} as left_{id_col}, r.{id_col} as right_{id_col}
                from (select {keys} from {scratch}) p
                {sides}
                order by p._pair_seq
            ) i
        """
    else:
        query = f"""
            select p.* exclude (_pair_seq), l.{id_col} as left_{id_col}, r.{id_col} as right_{id_col}
            from {scratch} p
            {sides}
            order by p._pair_seq
        """
    try:
        writes.replace_query(f"er.{entity}_pairs", query)
    finally:
        if local_xref is not None:
            writes.con.unregister("_local_xref")


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


@contextmanager
def _duckdb_limited(con: duckdb.DuckDBPyConnection, settings: Settings) -> Iterator[None]:
    """DuckDB's memory limit lowered to `[resolve] duckdb_memory_limit` (when lower than the
    warehouse's) while the resolver runs, then restored.

    The resolver's frames share the process with DuckDB, which there only streams the records
    out; but DuckDB keeps the blocks it has read, and what its queries used, until its own limit
    presses it: at city the records' blocks alone would stay beside frames of 15 GB. The writes
    after the resolution (the id map's keys, the audit table's ids: joins of tens of millions
    of rows) get the warehouse's limit back; at 3 GB the audit table's ids failed at city.
    The setting is the database's, shared by every connection to the file in this process."""
    if memory_bytes(settings.resolve.duckdb_memory_limit) >= memory_bytes(settings.duckdb_memory_limit):
        yield
        return
    row = con.execute("select current_setting('memory_limit')").fetchone()
    con.execute(f"set memory_limit = '{settings.resolve.duckdb_memory_limit.strip()}'")
    try:
        yield
    finally:
        if row is not None:
            con.execute(f"set memory_limit = '{row[0]}'")


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
    writes = StagedWrites(con, scratch_folder(settings))
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
