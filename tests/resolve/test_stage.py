"""The pipeline stage: warehouse records in, er tables out; reruns are idempotent and a new
delivery keeps the ids of known entities."""

from __future__ import annotations

import polars as pl

from pipelines.resolve.stage import _with_keys, run_resolve, stage_pairs_with_ids
from pipelines.resolve.staged import StagedWrites
from pipelines.settings import Settings
from pipelines.warehouse import connect

from .conftest import background_orgs, background_persons


def _load(settings: Settings, persons: pl.DataFrame, orgs: pl.DataFrame | None) -> None:
    with connect(settings) as con:
        con.register("p", persons.with_columns(pl.lit("lineage").alias("_file")).to_arrow())
        con.execute("create or replace table staging.int_person_records as select * from p")
        if orgs is not None:
            con.register("o", orgs.to_arrow())
            con.execute("create or replace table staging.int_org_records as select * from o")


def _table(settings: Settings, sql: str) -> pl.DataFrame:
    with connect(settings, read_only=True) as con:
        frame = pl.from_arrow(con.execute(sql).to_arrow_table())
    assert isinstance(frame, pl.DataFrame)
    return frame


def test_stage_writes_er_tables_and_reruns_identically(tmp_settings: Settings) -> None:
    persons = background_persons(40)
    _load(tmp_settings, persons, background_orgs(20))
    counts = run_resolve(tmp_settings)
    assert counts["persons_in"] == counts["persons_out"] == persons.height
    assert counts["person_entities"] == 40
    assert counts["rows_in"] == counts["rows_out"]
    xref = _table(tmp_settings, "select * from er.person_xref order by all")
    assert xref.columns == ["source", "record_id", "person_id"]
    assert xref.height == persons.height
    pairs = _table(tmp_settings, "select * from er.person_pairs")
    assert {"cmp_name", "cmp_id_number", "match_weight", "match_probability", "decision", "reason", "rule"} <= set(pairs.columns)
    # every linked pair says which rule linked it; a pair left apart names none
    assert pairs.filter(pl.col("decision") == "match")["rule"].null_count() == 0
    assert pairs.filter(pl.col("decision") == "non_match")["rule"].is_null().all()
    # the resolver holds the descriptive columns as enums; auditors read them as text
    text = ("left_source", "left_record_id", "blocked_by", "decision", "reason", "rule", "left_person_id")
    types = dict(_table(tmp_settings, "select column_name, data_type from information_schema.columns "
                        "where table_schema = 'er' and table_name = 'person_pairs'").iter_rows())
    assert {types[c] for c in text} == {"VARCHAR"}
    assert pairs["decision"].dtype == pl.String and set(pairs["decision"]) <= {"match", "non_match"}
    assert _table(tmp_settings, "select count(*) as n from er.org_xref")["n"][0] > 0
    model = _table(tmp_settings, "select * from er.person_match_model")
    assert {"comparison", "level", "label", "m", "u", "weight"} <= set(model.columns)
    assert "prior" in model["comparison"].to_list()

    # resolved again on purpose (nothing changed, so it would be skipped: pipelines.unchanged)
    run_resolve(tmp_settings.model_copy(update={"skip_unchanged": False}))
    assert _table(tmp_settings, "select * from er.person_xref order by all").equals(xref)
    log = _table(tmp_settings, "select event, count(*) as n from er.person_id_log group by event")
    assert log.to_dicts() == [{"event": "new", "n": 40}]


def test_a_new_delivery_keeps_known_ids(tmp_settings: Settings) -> None:
    persons = background_persons(30)
    _load(tmp_settings, persons, None)
    run_resolve(tmp_settings)
    before = _table(tmp_settings, "select * from er.person_xref")
    # the power company redelivers: same rows under new record ids, plus nothing else
    redelivered = persons.with_columns(
        pl.when(pl.col("source") == "bg_power").then(pl.col("record_id") + "-v2").otherwise(pl.col("record_id")).alias("record_id")
    )
    _load(tmp_settings, redelivered, None)
    run_resolve(tmp_settings)
    after = _table(tmp_settings, "select * from er.person_xref")
    person_of = dict(zip(before["record_id"], before["person_id"], strict=True))
    for rid, pid in zip(after["record_id"], after["person_id"], strict=True):
        assert person_of[rid.removesuffix("-v2")] == pid
    assert _table(tmp_settings, "select count(*) as n from er.org_xref")["n"][0] == 0


def test_crosswalk_is_stored_in_record_order_whatever_order_records_arrive_in(tmp_settings: Settings) -> None:
    """Readers scan `er.person_xref` by source: it is stored sorted by (source, record_id) also
    when the staging table is not (the sort is skipped only for records already in order)."""
    persons = background_persons(30)
    _load(tmp_settings, persons.sort("record_id", descending=True), None)
    run_resolve(tmp_settings)
    stored = _table(tmp_settings, "select source, record_id from er.person_xref")
    assert stored.equals(stored.sort("source", "record_id"))
    assert stored.height == persons.height


def _reference_pairs(pairs: pl.DataFrame, local_xref: pl.DataFrame, ids: pl.DataFrame) -> pl.DataFrame:
    """What the audit table's persistent ids are defined as: the pairs joined, side by side, with
    the crosswalk's records and their persistent ids on (source, record_id)."""
    both = local_xref.select("source", "record_id").join(ids, on=["source", "record_id"])
    for side in ("left", "right"):
        pairs = pairs.join(
            both.rename({"source": f"{side}_source", "record_id": f"{side}_record_id", "person_id": f"{side}_person_id"}),
            on=[f"{side}_source", f"{side}_record_id"],
            how="left",
        )
    return pairs


def _pairs(rows: list[tuple[str, str, str, str]]) -> pl.DataFrame:
    return pl.DataFrame(
        rows, schema=["left_source", "left_record_id", "right_source", "right_record_id"], orient="row"
    ).with_columns(pl.int_range(pl.len(), dtype=pl.Int64).alias("match_weight"))


def _with_persistent_ids(
    pairs: pl.DataFrame, local: pl.DataFrame, ids: pl.DataFrame, id_col: str, unique: bool = True
) -> pl.DataFrame:
    """The stage's audit table from these pairs and crosswalks, staged in a warehouse of its own
    as the stage stages it (the crosswalk first, the pairs put aside) and read back."""
    import tempfile
    from pathlib import Path

    import duckdb

    entity = id_col.removesuffix("_id")
    with duckdb.connect() as con, tempfile.TemporaryDirectory() as scratch:
        con.execute("set threads = 8")  # several threads read, join and sort the pairs
        con.execute("create schema er")
        writes = StagedWrites(con, Path(scratch))
        writes.replace(f"er.{entity}_xref", ids)
        scratch = writes.put_aside(f"er.{entity}_pairs", pairs.with_row_index("_pair_seq"))
        stage_pairs_with_ids(writes, entity, scratch, None if unique else local)
        writes.swap()
        out = pl.from_arrow(con.execute(f"select * from er.{entity}_pairs").to_arrow_table())
    assert isinstance(out, pl.DataFrame)
    return out


def test_pairs_get_each_sides_persistent_id_in_pair_order() -> None:
    """Unique record ids: the ids come from a lookup by record id that must also check the
    source (a pair naming `b|r1` when `r1` is `a`'s record gets no id, as a join on both keys)."""
    local = pl.DataFrame({"source": ["a", "a", "b"], "record_id": ["r1", "r2", "r3"], "entity_id": ["P1", "P1", "P2"]})
    ids = pl.DataFrame({"source": ["b", "a", "a"], "record_id": ["r3", "r2", "r1"], "person_id": ["P00000009", "P00000004", "P00000004"]})
    pairs = _pairs([("a", "r2", "b", "r3"), ("a", "r1", "a", "r2"), ("b", "r1", "a", "r1"), ("a", "r9", "b", "r3")])
    out = _with_persistent_ids(pairs, local, ids, "person_id")
    assert out.columns == [*pairs.columns, "left_person_id", "right_person_id"]
    assert out.schema == _reference_pairs(pairs, local, ids).schema
    assert out.equals(_reference_pairs(pairs, local, ids))
    assert out["left_person_id"].to_list() == ["P00000004", "P00000004", None, None]
    assert out["right_person_id"].to_list() == ["P00000009", "P00000004", "P00000004", "P00000009"]


def test_many_pairs_keep_their_order_and_ids_across_row_groups() -> None:
    """The ids are looked up for the pairs' keys alone, sorted, and set beside the pairs as they
    are read: with more pairs than one Parquet row group and DuckDB vector, read by several
    threads, every pair must still get its own sides' ids, in pair order."""
    import numpy as np

    rng = np.random.default_rng(5)
    n_records, n_pairs = 5_000, 300_000
    local = pl.DataFrame({
        "source": [f"s{k % 7}" for k in range(n_records)],
        "record_id": [f"r{k}" for k in range(n_records)],
    }).with_columns(pl.lit("P").alias("entity_id"))
    ids = local.select("source", "record_id", pl.format("P{}", pl.int_range(pl.len()).shuffle(seed=2)).alias("person_id"))
    left, right = rng.integers(0, n_records, n_pairs), rng.integers(0, n_records, n_pairs)
    pairs = pl.DataFrame({
        "left_source": local["source"].gather(left), "left_record_id": local["record_id"].gather(left),
        "right_source": local["source"].gather(right), "right_record_id": local["record_id"].gather(right),
    }).with_columns(pl.int_range(pl.len(), dtype=pl.Int64).alias("match_weight"))
    out = _with_persistent_ids(pairs, local, ids.sample(fraction=1.0, shuffle=True, seed=3), "person_id")
    assert out.equals(_reference_pairs(pairs, local, ids))


def test_pairs_of_repeated_record_ids_get_what_the_joins_give() -> None:
    """A record id used by two sources, and one (source, record_id) delivered twice: every
    combination, as the joins on both keys give them."""
    local = pl.DataFrame({"source": ["a", "b", "b"], "record_id": ["r1", "r1", "r1"], "entity_id": ["P1", "P2", "P2"]})
    ids = pl.DataFrame({"source": ["a", "b", "b"], "record_id": ["r1", "r1", "r1"], "person_id": ["P00000001", "P00000002", "P00000002"]})
    pairs = _pairs([("a", "r1", "b", "r1"), ("b", "r1", "a", "r1")])
    out = _with_persistent_ids(pairs, local, ids, "person_id", unique=False)
    expected = _reference_pairs(pairs, local, ids)
    assert out.sort(pl.all()).equals(expected.sort(pl.all()))
    assert out.height == 2 * 4  # each pair: (1 id of a) x (2 x 2 combinations of b's repeated record)


def test_a_kind_with_one_record_and_no_pairs_gets_its_tables(tmp_settings: Settings) -> None:
    """Each kind is resolved and written on its own: a single organisation (no candidate pair)
    still gets its crosswalk row and an empty audit table with the persistent-id columns."""
    persons = background_persons(20)
    _load(tmp_settings, persons, background_orgs(20).head(1))
    counts = run_resolve(tmp_settings)
    assert (counts["orgs_in"], counts["orgs_out"], counts["org_entities"]) == (1, 1, 1)
    assert _table(tmp_settings, "select org_id from er.org_xref")["org_id"].to_list() == ["O00000001"]
    org_pairs = _table(tmp_settings, "select * from er.org_pairs")
    assert org_pairs.height == 0
    assert org_pairs.columns[-2:] == ["left_org_id", "right_org_id"]
    person_pairs = _table(tmp_settings, "select * from er.person_pairs")
    assert person_pairs.columns[-2:] == ["left_person_id", "right_person_id"]
    assert person_pairs["left_person_id"].null_count() == 0
    assert counts["persons_out"] == persons.height


def test_id_map_keys_reach_their_records_whatever_their_order() -> None:
    """The keys are appended as they are only when they are row for row the crosswalk's;
    otherwise (another order, a repeated record key) they are joined to their records."""
    xref = pl.DataFrame({"source": ["a", "a", "b"], "record_id": ["1", "2", "3"], "entity_id": ["P1", "P1", "P2"]})
    keys = pl.DataFrame({"source": ["a", "a", "b"], "record_id": ["1", "2", "3"], "keys": [["r:a|1"], ["r:a|2"], None]})
    expected = xref.join(keys, on=["source", "record_id"], how="left")
    assert _with_keys(xref, keys).equals(expected)
    assert _with_keys(xref, keys.reverse()).equals(expected)
    repeated = pl.concat([xref, xref.tail(1)])
    assert _with_keys(repeated, pl.concat([keys, keys.tail(1)])).height == 2 + 2 * 2  # as the join gives


ER_TABLES = (
    "person_xref", "person_pairs", "person_match_model", "person_id_map", "person_id_keys", "person_id_log",
    "org_xref", "org_pairs", "org_id_map", "org_id_keys",
)


def test_a_run_that_fails_half_way_leaves_the_previous_results(tmp_settings: Settings, monkeypatch) -> None:
    """The persons' tables are written (and committed, so DuckDB frees them) before the
    organisations are resolved; they go live only with the organisations', so a run that dies
    in between changes nothing readers see and leaves no staged table behind."""
    import pytest

    from pipelines.resolve import stage

    _load(tmp_settings, background_persons(30), background_orgs(10))
    run_resolve(tmp_settings)
    before = {t: _table(tmp_settings, f"select * from er.{t} order by all") for t in ER_TABLES}

    _load(tmp_settings, background_persons(45), background_orgs(10))
    resolve_kind = stage._resolve_kind

    def dies_on_orgs(con, settings, kind, table, tables, writes):  # type: ignore[no-untyped-def]
        if kind == "orgs":
            staged = con.execute("select table_name from duckdb_tables() where table_name like '%__next'").fetchall()
            assert ("person_xref__next",) in staged  # the persons' tables are written (committed)
            assert not list(stage.scratch_folder(settings).glob("*"))  # the pairs put aside, used, removed
            raise RuntimeError("resolver died")
        return resolve_kind(con, settings, kind, table, tables, writes)

    monkeypatch.setattr(stage, "_resolve_kind", dies_on_orgs)
    with pytest.raises(RuntimeError, match="resolver died"):
        run_resolve(tmp_settings)
    for t in ER_TABLES:
        assert _table(tmp_settings, f"select * from er.{t} order by all").equals(before[t]), t
    assert _table(tmp_settings, "select count(*) as n from duckdb_tables() where table_name like '%__next'")["n"][0] == 0
    assert not stage.scratch_folder(tmp_settings).exists()  # the pairs put aside are removed

    monkeypatch.setattr(stage, "_resolve_kind", resolve_kind)
    counts = run_resolve(tmp_settings)  # run again: it completes, with the new records
    assert counts["persons_in"] == _table(tmp_settings, "select count(*) as n from er.person_xref")["n"][0]
    assert counts["person_entities"] == 45
    assert _table(tmp_settings, "select count(*) as n from duckdb_tables() where table_name like '%__next'")["n"][0] == 0


def test_the_records_are_read_as_distinct_contents_a_batch_at_a_time() -> None:
    """The stage reads the records twice, a batch at a time, and hands the resolver each
    record's key and content number and each distinct content once: the raw records are never
    in Python whole. Contents are compared by value (a null equals a null), numbered in order
    of their first record, and each record's content is its own."""
    import duckdb

    from pipelines.resolve import stage
    from pipelines.resolve.model import input_columns

    rows = [
        ("hukou", "r1", "张三", "1", None), ("hukou", "r2", "李四", "2", None), ("hukou", "r3", "张三", "1", None),
        ("hukou", "r4", "张三", None, None), ("shebao", "r5", "张三", "1", None), ("hukou", "r6", "张三", None, None),
        ("hukou", "r7", "李四", "2", "K1"),
    ]
    records = pl.DataFrame(
        [(*r[:3], r[3], None, None, None, None, r[4]) for r in rows], orient="row",
        schema=[*input_columns("persons")[:3], "id_number", "gender", "birth_date", "phone", "address", "issued_key"],
    )
    con = duckdb.connect()
    con.execute("create schema staging")
    con.execute("create table staging.int_person_records as select * from records")
    read_sizes: list[int] = []
    original = pl.from_arrow

    def watched(batch):  # type: ignore[no-untyped-def]
        frame = original(batch)
        read_sizes.append(frame.height)
        return frame

    import unittest.mock

    with unittest.mock.patch.object(stage.pl, "from_arrow", watched):
        distinct = stage._read_distinct(con, "staging.int_person_records", "persons", batch_rows=2)
        contents = pl.concat(list(distinct.batches(2)))
    assert max(read_sizes) <= 2 and sum(read_sizes) == 2 * len(rows)  # two readings, by batches
    assert distinct.keys.columns == ["source", "record_id", "_c"]
    assert distinct.keys.select("source", "record_id").equals(records.select("source", "record_id"))
    assert distinct.keys["_c"].to_list() == [0, 1, 0, 2, 3, 2, 4]
    assert contents["record_id"].to_list() == ["r1", "r2", "r4", "r5", "r7"]  # each content's first record
    content = [c for c in records.columns if c != "record_id"]
    assert contents.select(content)[distinct.keys["_c"].to_list()].equals(records.select(content))


def test_the_stage_limits_duckdb_while_it_resolves(tmp_settings: Settings, monkeypatch) -> None:
    """DuckDB gets `[resolve] duckdb_memory_limit` while the resolver's frames share the
    process, and the warehouse's limit for the writes after it and once the stage is done (the
    setting is the database's)."""
    from pipelines.resolve import api, stage

    _load(tmp_settings, background_persons(10), None)
    during: list[str] = []
    writing: list[str] = []
    resolve_loaded, write_resolution = api.resolve_loaded, stage.write_resolution

    def limit(con) -> str:  # type: ignore[no-untyped-def]
        return con.execute("select current_setting('memory_limit')").fetchone()[0]

    def watch_resolve(kind, load, as_of):  # type: ignore[no-untyped-def]
        with connect(settings) as con:
            during.append(limit(con))
        return resolve_loaded(kind, load, as_of)

    def watch_write(con, *args):  # type: ignore[no-untyped-def]
        writing.append(limit(con))
        return write_resolution(con, *args)

    monkeypatch.setattr(api, "resolve_loaded", watch_resolve)
    monkeypatch.setattr(stage, "write_resolution", watch_write)
    settings = tmp_settings.model_copy(update={"duckdb_memory_limit": "6GB"})
    with connect(settings) as con:
        before = limit(con)
        stage._resolve_warehouse(settings)  # another connection to the same file, as under dag.test()
        after = limit(con)
    assert during == ["1.8 GiB", "1.8 GiB"]  # 2 GB, in DuckDB's display
    assert writing == [before, before] and after == before != during[0]


def test_repeated_records_are_found_in_the_sorted_crosswalk() -> None:
    from pipelines.resolve.stage import _records_unique

    xref = pl.DataFrame({"source": ["a", "a", "b"], "record_id": ["r1", "r2", "r1"]})
    assert _records_unique(xref)  # a record id under two sources is not a repeat
    assert not _records_unique(pl.DataFrame({"source": ["a", "a", "b"], "record_id": ["r1", "r1", "r1"]}))
    assert not _records_unique(pl.DataFrame({"source": ["a", None], "record_id": ["r1", "r2"]}))
    assert _records_unique(pl.DataFrame({"source": [], "record_id": []}, schema={"source": pl.String, "record_id": pl.String}))
