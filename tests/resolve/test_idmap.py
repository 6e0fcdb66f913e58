"""Persistent ids: reruns keep them, merges keep the oldest, splits get fresh ids, all logged,
and no id is ever reused."""

from __future__ import annotations

from datetime import date

import duckdb
import polars as pl

from pipelines.resolve.idmap import PERSON_TABLES, assign_ids


def _records(clusters: list[list[str]]) -> pl.DataFrame:
    rows = [
        {"source": "s", "record_id": rid, "cluster": c, "keys": [f"r:s|{rid}"]}
        for c, members in enumerate(clusters)
        for rid in members
    ]
    return pl.DataFrame(rows, schema={"source": pl.String, "record_id": pl.String, "cluster": pl.Int64, "keys": pl.List(pl.String)})


def _ids(con: duckdb.DuckDBPyConnection, clusters: list[list[str]], day: int) -> dict[str, str]:
    out = assign_ids(con, PERSON_TABLES, _records(clusters), date(2026, 1, day))
    return dict(zip(out["record_id"], out["entity_id"], strict=True))


def _log(con: duckdb.DuckDBPyConnection, day: int) -> list[tuple]:
    return con.execute(
        "select event, person_id, related_id from er.person_id_log where as_of = ? order by event, person_id",
        [date(2026, 1, day)],
    ).fetchall()


def test_ids_persist_merge_split_and_are_never_reused() -> None:
    con = duckdb.connect()
    first = _ids(con, [["a", "b"], ["c"]], 1)
    assert first == {"a": "P00000001", "b": "P00000001", "c": "P00000002"}
    assert _log(con, 1) == [("new", "P00000001", None), ("new", "P00000002", None)]

    # a rerun on the same input changes nothing and logs nothing
    assert _ids(con, [["c"], ["b", "a"]], 2) == first
    assert _log(con, 2) == []

    # a new record joins a known entity; a brand-new entity gets the next id
    third = _ids(con, [["a", "b", "d"], ["c"], ["e"]], 3)
    assert third["d"] == "P00000001" and third["e"] == "P00000003"

    # merge: the cluster keeps the oldest id it holds; the other is merged away
    merged = _ids(con, [["a", "b", "c", "d"], ["e"]], 4)
    assert set(merged[r] for r in "abcd") == {"P00000001"}
    assert _log(con, 4) == [("merge", "P00000002", "P00000001")]
    status = con.execute("select status, successor_id from er.person_id_map where person_id = 'P00000002'").fetchone()
    assert status == ("merged", "P00000001")

    # split: the part holding more of the old id's records keeps it; the other gets a fresh id
    split = _ids(con, [["a", "b", "d"], ["c"], ["e"]], 5)
    assert split["a"] == "P00000001"
    assert split["c"] == "P00000004"  # never P00000002 again
    assert _log(con, 5) == [("split", "P00000004", "P00000001")]

    # an entity whose records all disappear goes dormant, and comes back with its id
    _ids(con, [["a", "b", "d"], ["c"]], 6)
    assert ("dormant", "P00000003", None) in _log(con, 6)
    back = _ids(con, [["a", "b", "d"], ["c"], ["e"]], 7)
    assert back["e"] == "P00000003"
    assert _log(con, 7) == [("revive", "P00000003", None)]


def test_a_redelivered_record_keeps_its_id_through_its_content_fingerprint() -> None:
    con = duckdb.connect()
    before = pl.DataFrame(
        {"source": ["s"], "record_id": ["old-row"], "cluster": [0], "keys": [["r:s|old-row", "f:123"]]}
    )
    after = pl.DataFrame(
        {"source": ["s", "s"], "record_id": ["new-row", "other"], "cluster": [0, 1], "keys": [["r:s|new-row", "f:123"], ["r:s|other", "f:999"]]}
    )
    assert assign_ids(con, PERSON_TABLES, before, date(2026, 1, 1))["entity_id"].to_list() == ["P00000001"]
    assert assign_ids(con, PERSON_TABLES, after, date(2026, 2, 1))["entity_id"].to_list() == ["P00000001", "P00000002"]


def test_an_old_id_goes_to_the_cluster_holding_most_distinct_records() -> None:
    """A record delivered twice counts once: the cluster of two different records holding an
    old id keeps it against the cluster of one record repeated (which has the smaller key)."""
    con = duckdb.connect()
    schema = {"source": pl.String, "record_id": pl.String, "cluster": pl.Int64, "keys": pl.List(pl.String)}
    first = pl.DataFrame(
        [{"source": "s", "record_id": r, "cluster": 0, "keys": ["i:same-person"]} for r in ("r1", "r8", "r9")],
        schema=schema,
    )
    assert assign_ids(con, PERSON_TABLES, first, date(2026, 1, 1))["entity_id"].unique().to_list() == ["P00000001"]
    split = pl.DataFrame(
        [{"source": "s", "record_id": r, "cluster": c, "keys": ["i:same-person"]}
         for r, c in (("r1", 1), ("r1", 1), ("r8", 2), ("r9", 2))],
        schema=schema,
    )
    out = assign_ids(con, PERSON_TABLES, split, date(2026, 1, 2))
    ids = dict(zip(out["record_id"], out["entity_id"], strict=False))
    assert ids["r8"] == ids["r9"] == "P00000001"
    assert ids["r1"] == "P00000002"


def test_key_parts_give_the_ids_and_keys_their_lists_give() -> None:
    """The stage hands the id map each record's key parts (`engine.record_keys`), from which
    DuckDB makes the keys; the ids, keys and log must be those of the keys written out as lists
    (`engine.key_lists`), on a first run and on a rerun where a record moved and a content
    was redelivered under a new record id."""
    from pipelines.resolve.engine import key_lists, record_keys

    def parts(rows: list[tuple[str, str, int, int, str | None]]) -> pl.DataFrame:
        frame = pl.DataFrame(
            rows, schema={"source": pl.String, "record_id": pl.String, "cluster": pl.Int64, "f": pl.UInt64, "i": pl.String},
            orient="row",
        )
        return record_keys(frame.select("source", "record_id"), frame["f"], frame["i"]).with_columns(frame["cluster"])

    first = parts([("s", "a", 0, 1, "ID1"), ("s", "b", 0, 2, None), ("t", "c", 1, 3, "ID3"), ("t", "d", 2, 3, None)])
    second = parts([("s", "a", 0, 1, "ID1"), ("s", "b2", 1, 2, None), ("t", "c", 1, 3, "ID3"), ("u", "e", 2, 9, "ID1")])
    results = []
    for as_lists in (False, True):
        con = duckdb.connect()
        outs = []
        for day, run in ((1, first), (2, second)):
            records = run.with_columns(key_lists(run)["keys"]).drop("fingerprint", "identifier") if as_lists else run
            outs.append(assign_ids(con, PERSON_TABLES, records, date(2026, 1, day)))
        tables = [con.execute(f"select * from er.person_id_{t} order by all").fetchall() for t in ("map", "log")]
        keys = con.execute("select * from er.person_id_keys").fetchall()  # in stored order
        results.append((outs, tables, keys))
    assert results[0][0][0].equals(results[1][0][0]) and results[0][0][1].equals(results[1][0][1])
    assert results[0][1] == results[1][1]
    assert results[0][2] == results[1][2]
    keys = {key: entity for key, entity, _ in results[0][2]}
    assert keys["r:s|a"] == keys["i:ID1"] == keys["f:1"]  # the first record holding a key gives its id
    assert "r:s|b" in keys and "r:s|b2" in keys  # keys no longer seen are kept
