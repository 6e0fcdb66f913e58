"""Staged tables: written and committed beside the live ones, made live together."""

from __future__ import annotations

import duckdb
import polars as pl
import pytest

from pipelines.resolve.staged import DirectWrites, StagedWrites

DDL = "{create} {table} (k varchar, n bigint)"


@pytest.fixture
def con(tmp_path):  # type: ignore[no-untyped-def]
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    con.execute("create schema er")
    con.execute("create table er.a as select 'old' as v")
    con.execute("create table er.log (k varchar, n bigint)")
    con.execute("insert into er.log values ('first', 1)")
    yield con
    con.close()


def _rows(con: duckdb.DuckDBPyConnection, sql: str) -> list[tuple]:
    return con.execute(sql).fetchall()


def test_nothing_is_live_before_the_swap_and_everything_after(con: duckdb.DuckDBPyConnection, tmp_path) -> None:
    writes = StagedWrites(con, tmp_path / "scratch")
    writes.replace("er.a", pl.DataFrame({"v": ["new", "newer"]}))
    writes.replace("er.b", pl.DataFrame({"k": ["x"], "n": [7]}), DDL)
    writes.append("er.log", pl.DataFrame({"n": [2], "k": ["second"]}), DDL)  # columns by name
    assert _rows(con, "select * from er.a") == [("old",)]
    assert _rows(con, "select * from er.log") == [("first", 1)]
    assert _rows(con, "select count(*) from duckdb_tables() where table_name = 'b'") == [(0,)]
    # written and committed: another connection to the file would see the staged tables
    assert _rows(con, "select count(*) from duckdb_tables() where table_name like '%__next'") == [(3,)]
    writes.swap()
    assert _rows(con, "select * from er.a order by 1") == [("new",), ("newer",)]
    assert _rows(con, "select * from er.b") == [("x", 7)]
    assert _rows(con, "select column_name, data_type from information_schema.columns where table_name = 'b'") == [
        ("k", "VARCHAR"), ("n", "BIGINT")]
    assert _rows(con, "select * from er.log order by n") == [("first", 1), ("second", 2)]
    assert _rows(con, "select count(*) from duckdb_tables() where table_name like '%__next'") == [(0,)]


def test_discard_leaves_the_live_tables(con: duckdb.DuckDBPyConnection, tmp_path) -> None:
    writes = StagedWrites(con, tmp_path / "scratch")
    writes.replace("er.a", pl.DataFrame({"v": ["new"]}))
    writes.append("er.log", pl.DataFrame({"k": ["second"], "n": [2]}), DDL)
    writes.discard()
    assert _rows(con, "select * from er.a") == [("old",)]
    assert _rows(con, "select * from er.log") == [("first", 1)]
    assert _rows(con, "select count(*) from duckdb_tables() where table_name like '%__next'") == [(0,)]


def test_a_swap_that_fails_changes_nothing(con: duckdb.DuckDBPyConnection, tmp_path) -> None:
    writes = StagedWrites(con, tmp_path / "scratch")
    writes.replace("er.a", pl.DataFrame({"v": ["new"]}))
    writes.append("er.log", pl.DataFrame({"k": ["second"], "n": [2]}), DDL)
    con.execute("drop table er.log__next")  # the second step of the swap fails
    with pytest.raises(duckdb.CatalogException):
        writes.swap()
    assert _rows(con, "select * from er.a") == [("old",)]
    assert _rows(con, "select * from er.log") == [("first", 1)]


def test_direct_writes_go_to_the_live_tables(con: duckdb.DuckDBPyConnection) -> None:
    writes = DirectWrites(con)
    writes.replace("er.a", pl.DataFrame({"v": ["new"]}))
    writes.replace("er.b", pl.DataFrame({"n": [7], "k": ["x"]}), DDL)
    writes.append("er.log", pl.DataFrame({"k": ["second"], "n": [2]}), DDL)
    assert _rows(con, "select * from er.a") == [("new",)]
    assert _rows(con, "select * from er.b") == [("x", 7)]
    assert _rows(con, "select * from er.log order by n") == [("first", 1), ("second", 2)]


def test_what_is_put_aside_is_read_back_and_removed(con: duckdb.DuckDBPyConnection, tmp_path) -> None:
    writes = StagedWrites(con, tmp_path / "scratch")
    relation = writes.put_aside("er.pairs", pl.DataFrame({"k": ["x", "y"], "n": [1, 2]}))
    writes.replace_query("er.pairs", f"select k, n * 10 as n from {relation} order by n")
    writes.swap()
    assert _rows(con, "select * from er.pairs") == [("x", 10), ("y", 20)]
    assert not (tmp_path / "scratch").exists()  # the file and its folder removed
    writes.put_aside("er.pairs", pl.DataFrame({"k": ["z"]}))
    writes.discard()
    assert not (tmp_path / "scratch").exists()
