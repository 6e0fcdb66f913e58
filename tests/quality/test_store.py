"""The dq tables are history: created once, extended (never rewritten) when columns are added."""

from __future__ import annotations

import duckdb

from pipelines.quality.store import TABLES, ensure_tables


def test_older_dq_tables_gain_new_columns_and_keep_their_rows() -> None:
    con = duckdb.connect(":memory:")
    con.execute("create schema dq")
    con.execute("create table dq.results (run_id varchar, suite varchar)")
    con.execute("insert into dq.results values ('r1', 's1')")
    ensure_tables(con)
    columns = [r[0] for r in con.execute("select column_name from information_schema.columns "
                                         "where table_schema = 'dq' and table_name = 'results'").fetchall()]
    assert set(columns) == {name for name, _ in TABLES["results"]}
    assert con.execute("select run_id, suite, closes_gate from dq.results").fetchall() == [("r1", "s1", None)]
    ensure_tables(con)  # idempotent
    assert {t for (t,) in con.execute("select table_name from information_schema.tables where table_schema = 'dq'").fetchall()} == set(TABLES)
