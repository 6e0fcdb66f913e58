"""Raw storage: a table per loaded batch behind the `raw.<source>` view."""

from __future__ import annotations

import duckdb

from ingest import crafted
from ingest.crafted import PEOPLE, person
from pipelines.ingest import _storage, ensure_raw_table


def _batch_tables(warehouse) -> list[str]:
    return [t for (t,) in crafted.query(
        warehouse,
        "select table_name from duckdb_tables() where schema_name = 'raw_batches' "
        "and starts_with(table_name, ?) order by table_name", [PEOPLE.source + "/"])]


def _view_names(env) -> list[str]:
    return sorted(r["姓名"] for r in crafted.raw_rows(env.warehouse, PEOPLE))


def test_each_loaded_file_has_its_own_table_behind_the_view(env) -> None:
    env.deliver("人员名单_part1.csv", crafted.csv_text([person(1), person(2)]))
    env.deliver("人员名单_part2.csv", crafted.csv_text([person(3)]))
    env.deliver("人员名单_part3.csv", crafted.csv_text([]))  # header only: no table
    env.run()
    batches = {r["batch_id"] for r in crafted.ledger(env.warehouse) if r["rows_loaded"]}
    assert _batch_tables(env.warehouse) == sorted(f"{PEOPLE.source}/{b}" for b in batches)
    assert _view_names(env) == ["张1", "张2", "张3"]
    kind = crafted.query(env.warehouse, "select table_type from information_schema.tables "
                                        "where table_schema = 'raw' and table_name = ?", [PEOPLE.source])
    assert kind == [("VIEW",)]
    # the view lists the contract's columns, then the lineage, whatever the batches hold
    columns = [c for (c,) in crafted.query(
        env.warehouse, "select column_name from information_schema.columns where table_schema = 'raw' "
        "and table_name = ? order by ordinal_position", [PEOPLE.source])]
    assert columns == [*crafted.HEADER, "_batch_id", "_file", "_sha256", "_line", "_delivery_date", "_extras"]


def test_a_redelivery_drops_the_table_of_the_batch_it_replaces(env) -> None:
    path = env.deliver("人员名单.csv", crafted.csv_text([person(1)]))
    env.run()
    (first,) = _batch_tables(env.warehouse)
    path.write_text(crafted.csv_text([person(2)]))
    env.run()
    (second,) = _batch_tables(env.warehouse)
    assert second != first
    assert _view_names(env) == ["张2"]


def test_many_batches_are_folded_into_the_base_table(env) -> None:
    env.monkeypatch.setattr(_storage, "MAX_BATCH_TABLES", 2)
    for i in range(3):
        env.deliver(f"人员名单_part{i}.csv", crafted.csv_text([person(i)]))
    env.run()
    assert _batch_tables(env.warehouse) == []  # three tables > 2: folded
    assert _view_names(env) == ["张0", "张1", "张2"]
    # a folded batch is still replaced by its redelivery
    env.deliver("人员名单_part1.csv", crafted.csv_text([person(7)]))
    (path,) = env.landing.rglob("人员名单_part1.csv")
    path.write_text(crafted.csv_text([person(7)]))
    env.run()
    assert _view_names(env) == ["张0", "张2", "张7"]
    assert len(_batch_tables(env.warehouse)) == 1
    crafted.check_ledger_invariants(env.warehouse)


def test_a_batch_loaded_under_an_older_contract_reads_null_for_new_columns(env) -> None:
    import pipelines.contracts as registry

    smaller = PEOPLE.model_copy(update={"columns": tuple(c for c in PEOPLE.columns if c.required)})
    env.monkeypatch.setattr(registry, "all_contracts", lambda: (smaller, *crafted.CONTRACTS[1:]))
    env.deliver("人员名单_part1.csv", crafted.csv_text([person(1)]))
    env.run()
    crafted.install(env.monkeypatch)
    env.deliver("人员名单_part2.csv", crafted.csv_text([person(2)]))
    env.run()
    optional = next(c.name_zh for c in PEOPLE.columns if not c.required)
    rows = {r["姓名"]: r[optional] for r in crafted.raw_rows(env.warehouse, PEOPLE)}
    assert rows["张1"] is None and rows["张2"] == person(2)[optional]


def test_a_warehouse_whose_raw_table_predates_batch_tables_is_adopted(env) -> None:
    """An older warehouse has `raw.<source>` as a table holding every batch: its rows move to
    the base table once, and later deliveries (and replacements of its batches) work."""
    path = env.deliver("人员名单.csv", crafted.csv_text([person(1)]))
    env.run()
    tables = _batch_tables(env.warehouse) + [PEOPLE.source]
    with duckdb.connect(str(env.warehouse)) as con:  # rebuild the old layout by hand
        con.execute(f'create table old as select * from raw."{PEOPLE.source}"')
        con.execute(f'drop view raw."{PEOPLE.source}"')
        for name in tables:
            con.execute(f'drop table raw_batches."{name}"')
        con.execute(f'create table raw."{PEOPLE.source}" as select * from old')
        con.execute("drop table old")
    assert _view_names(env) == ["张1"]
    path.write_text(crafted.csv_text([person(2)]))  # replaces the batch held in the old table
    env.deliver("人员名单_part2.csv", crafted.csv_text([person(3)]))
    env.run()
    assert _view_names(env) == ["张2", "张3"]
    kind = crafted.query(env.warehouse, "select table_type from information_schema.tables "
                                        "where table_schema = 'raw' and table_name = ?", [PEOPLE.source])
    assert kind == [("VIEW",)]


def test_ensure_raw_table_on_a_warehouse_without_a_ledger(tmp_path) -> None:
    with duckdb.connect(str(tmp_path / "w.duckdb")) as con:
        ensure_raw_table(con, PEOPLE)
        assert con.execute(f'select count(*) from raw."{PEOPLE.source}"').fetchone() == (0,)
