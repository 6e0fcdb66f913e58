"""Persistent entity ids (`er.person_id_map`, `er.org_id_map`) across runs and deliveries.

Clusters are recomputed from scratch on every run; the id map is what makes their ids stable:

* Every record carries *keys* that outlive a single delivery: its record key (`r:`), a
  fingerprint of its standardised content (`f:`, survives a snapshot redelivery, which gives the
  same rows new record ids) and, when it has one, its checksum-valid identifier (`i:` = ID number
  or credit code). `er.<kind>_id_keys` remembers the entity id each key last belonged to.
* A new cluster *holds* the old ids its records' keys point to. Each cluster keeps the oldest id
  it holds; when two clusters hold the same id (a split) the one holding more of its records
  keeps it and the other gets a fresh id; an id that no cluster keeps although a cluster holds it
  was merged away. Fresh ids are never reused: the sequence only grows and ids are never deleted.
* Every change is appended to `er.<kind>_id_log` (`new`, `merge`, `split`, `dormant`, `revive`);
  a rerun on the same input changes nothing and logs nothing.

Tables (all persistent; created on first use; `<e>_id` is `person_id` or `org_id`):
    er.<e>_id_map:  <e>_id, seq, status (active|merged|dormant), first_as_of, last_as_of,
                    successor_id (for merged ids), n_records
    er.<e>_id_keys: key, <e>_id, last_as_of
    er.<e>_id_log:  as_of, event (new|split|merge|dormant|revive), <e>_id, related_id, n_records
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import duckdb
import polars as pl

from pipelines.resolve.staged import DirectWrites, TableWrites

ID_MAP_SCHEMA = {
    "entity_id": pl.String,
    "seq": pl.Int64,
    "status": pl.String,
    "first_as_of": pl.Date,
    "last_as_of": pl.Date,
    "successor_id": pl.String,
    "n_records": pl.Int64,
}
ID_KEYS_SCHEMA = {"key": pl.String, "entity_id": pl.String, "last_as_of": pl.Date}
ID_LOG_SCHEMA = {
    "as_of": pl.Date,
    "event": pl.String,
    "entity_id": pl.String,
    "related_id": pl.String,
    "n_records": pl.Int64,
}
_DUCK_TYPES = {pl.String: "varchar", pl.Int64: "bigint", pl.Date: "date"}


@dataclass(frozen=True)
class IdMapTables:
    """Names of one kind's persistent tables and the prefix of its ids (`P`, `O`)."""

    entity: str  # "person" or "org"
    prefix: str

    @property
    def id_map(self) -> str:
        return f"er.{self.entity}_id_map"

    @property
    def keys(self) -> str:
        return f"er.{self.entity}_id_keys"

    @property
    def log(self) -> str:
        return f"er.{self.entity}_id_log"


PERSON_TABLES = IdMapTables("person", "P")
ORG_TABLES = IdMapTables("org", "O")
ID_WIDTH = 8


def _stored(name: str, tables: IdMapTables) -> str:
    """Column name in the warehouse: `entity_id` is stored as `person_id` / `org_id`."""
    return f"{tables.entity}_id" if name == "entity_id" else name


def _ddl_template(schema: dict[str, type[pl.DataType] | pl.DataType], tables: IdMapTables) -> str:
    """The table's definition with `{create}` and `{table}` left to fill (`staged.TableWrites`)."""
    cols = ", ".join(f"{_stored(name, tables)} {_DUCK_TYPES[dtype]}" for name, dtype in schema.items())  # type: ignore[index]
    return "{create} {table} (" + cols + ")"


def _ddl(table: str, schema: dict[str, type[pl.DataType] | pl.DataType], tables: IdMapTables) -> str:
    return _ddl_template(schema, tables).format(create="create table if not exists", table=table)


def ensure_tables(con: duckdb.DuckDBPyConnection, tables: IdMapTables) -> None:
    """Create the persistent id tables if this warehouse has never resolved this kind."""
    con.execute("create schema if not exists er")
    con.execute(_ddl(tables.id_map, ID_MAP_SCHEMA, tables))
    con.execute(_ddl(tables.keys, ID_KEYS_SCHEMA, tables))
    con.execute(_ddl(tables.log, ID_LOG_SCHEMA, tables))


def _read(con: duckdb.DuckDBPyConnection, table: str, schema: dict, tables: IdMapTables) -> pl.DataFrame:
    cols = ", ".join(f"{_stored(name, tables)} as {name}" for name in schema)
    frame = pl.from_arrow(con.execute(f"select {cols} from {table}").to_arrow_table())
    assert isinstance(frame, pl.DataFrame)
    return frame.cast(schema) if frame.height else pl.DataFrame(schema=schema)


def _record_number(records: pl.DataFrame, record_key: pl.Expr) -> pl.Series:
    """A number per record, equal for records with the same `(source, record_id)` and different
    otherwise: the row number when no record repeats (the staging tables' contract), else the
    dense rank of the record key."""
    if records.select(pl.struct("source", "record_id").is_unique().all()).item():
        return pl.int_range(records.height, dtype=pl.UInt64, eager=True)
    return records.select(record_key.rank("dense")).to_series()


def _choose_old_ids(holds: pl.DataFrame) -> pl.DataFrame:
    """Give each cluster at most one held old id, each old id to at most one cluster.

    `holds` has one row per (cluster, old id): `cluster, first_key, entity_id, seq, n`. Rounds of
    proposals: every unassigned cluster proposes its oldest still-free id; every id accepts the
    proposer holding most of its records (ties: the cluster with the smallest record key).
    Vectorised per round; rounds are few because conflicts are rare.
    """
    assigned: list[pl.DataFrame] = []
    free = holds
    while free.height:
        proposals = free.sort("seq").group_by("cluster", maintain_order=True).first()
        winners = proposals.sort(
            ["entity_id", "n", "first_key"], descending=[False, True, False]
        ).group_by("entity_id", maintain_order=True).first()
        assigned.append(winners.select("cluster", "entity_id"))
        free = free.join(winners.select("cluster"), on="cluster", how="anti").join(
            winners.select("entity_id"), on="entity_id", how="anti"
        )
    if not assigned:
        return pl.DataFrame(schema={"cluster": pl.Int64, "entity_id": pl.String})
    return pl.concat(assigned)


def assign_ids(
    con: duckdb.DuckDBPyConnection,
    tables: IdMapTables,
    records: pl.DataFrame,
    as_of: date,
    writes: TableWrites | None = None,
) -> pl.DataFrame:
    """Persistent entity id of every record, updating the id map, keys and log in `con`.

    Args:
        con: an open, writable warehouse connection (the caller commits).
        writes: where the new map, keys and log rows go: by default into the live tables in
            `con`'s transaction; the stage stages them to swap in with its other tables.
        tables: which kind's tables to use.
        records: one row per record: `source, record_id, cluster` (Int64 cluster label of this
            run) and the record's persistent keys (see module docstring): a `keys` column
            (List[String]), or their parts as `engine.record_keys` gives them (`fingerprint`,
            UInt64, and `identifier`, String, null for none), which make the keys `r:<source>|
            <record_id>`, `f:<fingerprint>` and `i:<identifier>`.
        as_of: the run's as-of date (recorded in the map and the log; never the clock).

    Returns:
        `source, record_id, entity_id` in the order of `records`.

    Every step over the records' keys (three per record: 94 million at city, and as many old
    keys on a rerun) runs in DuckDB, which spills; Python holds one row per cluster.
    """
    ensure_tables(con, tables)
    id_map = _read(con, tables.id_map, ID_MAP_SCHEMA, tables)

    recs = records.select(
        "source",
        "record_id",
        pl.col("cluster").cast(pl.Int64),
        *(["keys"] if "keys" in records.columns else ["fingerprint", "identifier"]),
    )
    record_key = pl.col("source") + pl.lit("\x1f") + pl.col("record_id")
    recs = recs.with_columns(
        pl.int_range(recs.height, dtype=pl.UInt64).alias("_row"), _record_number(recs, record_key).alias("_r")
    )
    # a table of DuckDB's, not a view of the frame: DuckDB would push filters into the frame's
    # Arrow scan, which has no filter for Polars' string views
    con.register("_id_frame", recs.to_arrow(compat_level=pl.CompatLevel.newest()))
    try:
        con.execute("create or replace temp table _id_records as select * from _id_frame")
    finally:
        con.unregister("_id_frame")
    try:
        return _assign(con, tables, recs, id_map, as_of, writes or DirectWrites(con))
    finally:
        con.execute("drop view if exists _id_keys")
        con.execute("drop table if exists _id_records")
        for view in ("_id_clusters", "_id_merged_to"):
            con.unregister(view)


def _key_rows(keys_as_list: bool) -> str:
    """The records' keys, one row each (`_row`, `cluster`, `_r`, `pos` = the key's place in the
    record's keys, `key`), from the temporary table `_id_records`; null keys left out."""
    if keys_as_list:
        return """
            select _row, cluster, _r, pos, key from (
                select _row, cluster, _r, unnest(keys) as key, unnest(range(len(keys))) as pos from _id_records
            ) where key is not null
        """
    parts = (
        "'r:' || source || '|' || record_id",
        "'f:' || cast(fingerprint as varchar)",
        "'i:' || identifier",
    )
    return " union all ".join(
        f"select _row, cluster, _r, {pos} as pos, {key} as key from _id_records where {key} is not null"
        for pos, key in enumerate(parts)
    )


def _assign(
    con: duckdb.DuckDBPyConnection,
    tables: IdMapTables,
    recs: pl.DataFrame,
    id_map: pl.DataFrame,
    as_of: date,
    writes: TableWrites,
) -> pl.DataFrame:
    stored_id = f"{tables.entity}_id"
    con.execute(f"create or replace temp view _id_keys as {_key_rows('keys' in recs.columns)}")
    cluster_first = _frame(con, f"""
        select cluster, min(source || chr(31) || record_id) as first_key, count(*) as size
        from _id_records group by cluster
    """, {"cluster": pl.Int64, "first_key": pl.String, "size": pl.Int64})
    # Which old ids each cluster holds, and through how many of its records (distinct record
    # numbers `_r`: the same record's keys count once).
    holds = _frame(con, f"""
        select k.cluster, m.{stored_id} as entity_id, m.seq, count(distinct k._r) as n
        from _id_keys k
        join {tables.keys} o on o.key = k.key
        join {tables.id_map} m on m.{stored_id} = o.{stored_id}
        where m.status != 'merged'
        group by all
    """, {"cluster": pl.Int64, "entity_id": pl.String, "seq": pl.Int64, "n": pl.Int64}).join(
        cluster_first.select("cluster", "first_key"), on="cluster"
    )
    kept = _choose_old_ids(holds)

    # Clusters that keep no old id get fresh ids, numbered in order of their first record.
    next_seq = (id_map["seq"].max() or 0) + 1 if id_map.height else 1
    fresh = (
        cluster_first.join(kept, on="cluster", how="anti")
        .sort("first_key")
        .with_row_index("_i")
        .with_columns((pl.col("_i").cast(pl.Int64) + next_seq).alias("seq"))
        .with_columns(
            (pl.lit(tables.prefix) + pl.col("seq").cast(pl.String).str.zfill(ID_WIDTH)).alias(
                "entity_id"
            )
        )
        .select("cluster", "entity_id", "seq")
    )
    cluster_ids = pl.concat([kept, fresh.select("cluster", "entity_id")]).join(
        cluster_first.select("cluster", "size"), on="cluster"
    )
    del cluster_first

    log = _events(holds, kept, fresh, cluster_ids, id_map, as_of)
    new_map = _updated_map(id_map, cluster_ids, fresh, log, as_of)

    # The keys no longer seen (in their stored order), then this run's, each with the id of
    # its first record (in record order, then key order): a deterministic order, sorted on
    # numbers only (readers look keys up by join, never by order).
    merged_to = new_map.filter(pl.col("status") == "merged").select("entity_id", "successor_id")
    con.register("_id_clusters", cluster_ids.select("cluster", "entity_id").to_arrow())
    con.register("_id_merged_to", merged_to.to_arrow())
    # a key's place in record order, then key order: `_row * width + pos`
    width = 1 + (int(recs["keys"].list.len().max() or 0) if "keys" in recs.columns else 3)
    writes.replace_query(tables.keys, f"""
        with seen as (
            select key, arg_min(c.entity_id, k._row * {width} + k.pos) as entity_id,
                   min(k._row * {width} + k.pos) as _o
            from _id_keys k join _id_clusters c using (cluster)
            group by key
        )
        select key, {stored_id}, last_as_of from (
            select o.key, coalesce(m.successor_id, o.{stored_id}) as {stored_id}, o.last_as_of,
                   0 as _part, o.rowid as _o
            from {tables.keys} o
            left join _id_merged_to m on m.entity_id = o.{stored_id}
            where not exists (select 1 from seen s where s.key = o.key)
            union all
            select key, entity_id, date '{as_of.isoformat()}', 1, _o from seen
        )
        order by _part, _o
    """, _ddl_template(ID_KEYS_SCHEMA, tables))

    stored = {"entity_id": stored_id}
    writes.replace(tables.id_map, new_map.sort("seq").rename(stored), _ddl_template(ID_MAP_SCHEMA, tables))
    if log.height:
        writes.append(tables.log, log.rename(stored), _ddl_template(ID_LOG_SCHEMA, tables))
    out = recs.select("source", "record_id", "cluster").join(
        cluster_ids.select("cluster", "entity_id"), on="cluster", how="left", maintain_order="left"
    )
    return out.select("source", "record_id", "entity_id")


def _frame(con: duckdb.DuckDBPyConnection, query: str, schema: dict) -> pl.DataFrame:
    frame = pl.from_arrow(con.execute(query).to_arrow_table())
    assert isinstance(frame, pl.DataFrame)
    return frame.cast(schema) if frame.height else pl.DataFrame(schema=schema)


def _events(
    holds: pl.DataFrame,
    kept: pl.DataFrame,
    fresh: pl.DataFrame,
    cluster_ids: pl.DataFrame,
    id_map: pl.DataFrame,
    as_of: date,
) -> pl.DataFrame:
    """The changes of this run: new, split, merge, dormant and revived ids."""
    held_by_fresh = holds.join(fresh.select("cluster"), on="cluster", how="inner")
    kept_ids = kept.select("entity_id")
    sizes = cluster_ids.select("cluster", pl.col("entity_id").alias("now_id"), "size")
    # A fresh cluster holding an id that another cluster kept was split off that id.
    split = (
        held_by_fresh.join(kept_ids, on="entity_id", how="inner")
        .sort("seq")
        .group_by("cluster", maintain_order=True)
        .first()
        .join(sizes, on="cluster")
        .select(
            pl.lit("split").alias("event"),
            pl.col("now_id").alias("entity_id"),
            pl.col("entity_id").alias("related_id"),
            pl.col("size").alias("n_records"),
        )
    )
    brand_new = (
        fresh.join(holds.select("cluster").unique(), on="cluster", how="anti")
        .join(sizes, on="cluster")
        .select(
            pl.lit("new").alias("event"),
            pl.col("now_id").alias("entity_id"),
            pl.lit(None, pl.String).alias("related_id"),
            pl.col("size").alias("n_records"),
        )
    )
    # An id held by some cluster but kept by none was merged into the id its holder kept.
    merged = (
        holds.join(kept_ids, on="entity_id", how="anti")
        .sort(["n", "first_key"], descending=[True, False])
        .group_by("entity_id", maintain_order=True)
        .first()
        .join(sizes, on="cluster")
        .select(
            pl.lit("merge").alias("event"),
            "entity_id",
            pl.col("now_id").alias("related_id"),
            pl.col("n").alias("n_records"),
        )
    )
    active_before = id_map.filter(pl.col("status") == "active").select("entity_id")
    dormant = active_before.join(
        cluster_ids.select("entity_id"), on="entity_id", how="anti"
    ).join(merged.select("entity_id"), on="entity_id", how="anti").select(
        pl.lit("dormant").alias("event"),
        "entity_id",
        pl.lit(None, pl.String).alias("related_id"),
        pl.lit(0, pl.Int64).alias("n_records"),
    )
    revived = (
        id_map.filter(pl.col("status") == "dormant")
        .select("entity_id")
        .join(cluster_ids, on="entity_id", how="inner")
        .select(
            pl.lit("revive").alias("event"),
            "entity_id",
            pl.lit(None, pl.String).alias("related_id"),
            pl.col("size").alias("n_records"),
        )
    )
    log = pl.concat([brand_new, split, merged, dormant, revived])
    return log.select(pl.lit(as_of).alias("as_of"), pl.all()).cast(ID_LOG_SCHEMA).sort(
        "event", "entity_id"
    )


def _updated_map(
    id_map: pl.DataFrame,
    cluster_ids: pl.DataFrame,
    fresh: pl.DataFrame,
    log: pl.DataFrame,
    as_of: date,
) -> pl.DataFrame:
    """The id map after this run: kept ids refreshed, merged/dormant ids marked, fresh ids added."""
    live = cluster_ids.select("entity_id", pl.col("size").alias("_n"))
    merges = log.filter(pl.col("event") == "merge").select(
        "entity_id", pl.col("related_id").alias("_succ")
    )
    updated = (
        id_map.join(live, on="entity_id", how="left")
        .join(merges, on="entity_id", how="left")
        .with_columns(
            pl.when(pl.col("_n").is_not_null())
            .then(pl.lit("active"))
            .when(pl.col("_succ").is_not_null())
            .then(pl.lit("merged"))
            .when(pl.col("status") == "merged")
            .then(pl.lit("merged"))
            .otherwise(pl.lit("dormant"))
            .alias("status"),
            pl.when(pl.col("_n").is_not_null())
            .then(pl.lit(as_of))
            .otherwise(pl.col("last_as_of"))
            .alias("last_as_of"),
            pl.coalesce("_succ", "successor_id").alias("successor_id"),
            pl.coalesce("_n", pl.lit(0, pl.Int64)).alias("n_records"),
        )
        .select(list(ID_MAP_SCHEMA))
    )
    added = fresh.join(live, on="entity_id").select(
        "entity_id",
        "seq",
        pl.lit("active").alias("status"),
        pl.lit(as_of).alias("first_as_of"),
        pl.lit(as_of).alias("last_as_of"),
        pl.lit(None, pl.String).alias("successor_id"),
        pl.col("_n").alias("n_records"),
    )
    return pl.concat([updated.cast(ID_MAP_SCHEMA), added.cast(ID_MAP_SCHEMA)])
