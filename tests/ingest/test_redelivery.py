"""Same bytes twice, redeliveries, corrections, parts, deferred deliveries, reruns."""

from __future__ import annotations

from datetime import date

import duckdb

from ingest import crafted
from ingest.crafted import PEOPLE, person


def _names(env) -> list[str]:
    return sorted(r["姓名"] for r in crafted.raw_rows(env.warehouse, PEOPLE))


def _people(*ids: int, bad: bool = False) -> str:
    text = crafted.csv_text([person(i) for i in ids])
    return text + "only,three,fields\n" if bad else text


def _snapshot(warehouse) -> dict[str, list[tuple]]:
    """Everything but wall-clock columns, order-independent."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        tables = [f'raw."{t}"' for (t,) in con.execute(
            "select table_name from information_schema.tables where table_schema = 'raw'").fetchall()]
        out = {}
        for table in tables:
            columns = [c for (c,) in con.execute(
                "select column_name from information_schema.columns where table_schema = 'raw' "
                "and table_name = ? order by ordinal_position", [table[5:-1]]).fetchall()
                if not c.endswith("_at")]
            select = ", ".join(f'"{c}"' for c in columns)
            out[table] = sorted(con.execute(f"select {select} from {table}").fetchall(), key=repr)
    return out


def test_same_bytes_twice_adds_nothing(env) -> None:
    env.deliver("人员名单.csv", _people(1, 2))
    env.deliver("人员名单.csv", _people(1, 2), day="2026-10-08")
    env.run()
    first, second = crafted.ledger(env.warehouse)
    assert first["status"] == "loaded"
    assert second["status"] == "duplicate" and first["file"] in second["reason"]
    assert _names(env) == ["张1", "张2"]
    crafted.check_ledger_invariants(env.warehouse)


def test_rerun_on_the_same_landing_changes_nothing(env) -> None:
    env.deliver("人员名单.csv", _people(1, 2, bad=True))
    env.deliver("人员名单_v2.csv", _people(3))
    env.deliver("readme.txt", "x")
    env.deliver("人员名单.csv", _people(4), day="2026-12-01")  # deferred
    env.run()
    before = _snapshot(env.warehouse)
    summary = env.run()
    assert summary.totals()["unchanged"] == 4 and summary.rows_read == 0
    assert _snapshot(env.warehouse) == before


def test_same_path_new_bytes_replaces_the_batch_and_its_quarantine(env) -> None:
    path = env.deliver("人员名单.csv", _people(1, 2, bad=True))
    env.run()
    first = crafted.latest(env.warehouse, "人员名单.csv")
    assert len(crafted.quarantined(env.warehouse)) == 1
    path.write_text(_people(3))
    env.run()
    second = crafted.latest(env.warehouse, "人员名单.csv")
    assert second["status"] == "replaced" and second["replaces_batch_id"] == first["batch_id"]
    assert _names(env) == ["张3"]
    assert crafted.quarantined(env.warehouse) == []
    crafted.check_ledger_invariants(env.warehouse)


def test_path_returning_to_earlier_bytes_loads_them_again(env) -> None:
    path = env.deliver("人员名单.csv", _people(1))
    env.run()
    path.write_text(_people(2))
    env.run()
    path.write_text(_people(1))
    env.run()
    assert _names(env) == ["张1"]
    batch_ids = [r["batch_id"] for r in crafted.ledger(env.warehouse)]
    assert len(set(batch_ids)) == 3
    crafted.check_ledger_invariants(env.warehouse)


def test_correction_suffixes_replace_and_the_last_in_name_order_wins(env) -> None:
    env.deliver("人员名单.csv", _people(1))
    env.deliver("人员名单_更正.csv", _people(2))
    env.deliver("人员名单_v2.csv", _people(3))
    env.deliver("人员名单(1).csv", _people(4))
    env.run()
    statuses = [(r["file"].rsplit("/", 1)[1], r["status"]) for r in crafted.ledger(env.warehouse)]
    # the original first, then corrections in name order: "(1)" < "_v2" < "_更正"
    assert statuses == [("人员名单.csv", "loaded"), ("人员名单(1).csv", "replaced"),
                        ("人员名单_v2.csv", "replaced"), ("人员名单_更正.csv", "replaced")]
    assert _names(env) == ["张2"]
    crafted.check_ledger_invariants(env.warehouse)


def test_correction_arriving_in_a_later_run_replaces(env) -> None:
    env.deliver("人员名单.csv", _people(1, bad=True))
    env.run()
    env.deliver("人员名单_更正.csv", _people(2))
    env.run()
    assert _names(env) == ["张2"] and crafted.quarantined(env.warehouse) == []
    # and an original whose bytes change after its correction loaded does not take over again
    (env.landing / "civil" / crafted.DELIVERY / "人员名单.csv").write_text(_people(5))
    env.run()
    assert _names(env) == ["张2"]
    assert "superseded by" in crafted.latest(env.warehouse, "人员名单.csv")["reason"]


def test_rejected_correction_keeps_the_original(env) -> None:
    env.deliver("人员名单.csv", _people(1))
    env.deliver("人员名单_更正.csv", "")
    env.run()
    assert _names(env) == ["张1"]
    assert crafted.latest(env.warehouse, "人员名单_更正.csv")["status"] == "rejected"


def test_parts_are_separate_files(env) -> None:
    env.deliver("人员名单_part1.csv", _people(1, 2))
    env.deliver("人员名单_part2.csv", _people(3))
    env.deliver("人员名单_part10.csv", _people(4))
    env.run()
    assert [r["status"] for r in crafted.ledger(env.warehouse)] == ["loaded"] * 3
    assert _names(env) == ["张1", "张2", "张3", "张4"]


def test_same_name_in_another_delivery_is_a_new_delivery_not_a_replacement(env) -> None:
    env.deliver("人员名单.csv", _people(1))
    env.deliver("人员名单.csv", _people(2), day="2026-10-15")
    env.run()
    assert [r["status"] for r in crafted.ledger(env.warehouse)] == ["loaded", "loaded"]
    assert _names(env) == ["张1", "张2"]


def test_deliveries_after_the_as_of_date_wait(env) -> None:
    env.deliver("人员名单.csv", _people(1))
    env.deliver("人员名单.csv", _people(2), day="2026-11-20")
    env.run(as_of=date(2026, 11, 1))
    assert _names(env) == ["张1"]
    assert crafted.latest(env.warehouse, "人员名单.csv")["status"] == "deferred"
    # a rerun with the same as-of date adds no second deferred row
    env.run(as_of=date(2026, 11, 1))
    assert len(crafted.ledger(env.warehouse)) == 2
    # a later as-of date loads it
    env.run(as_of=date(2026, 11, 30))
    assert _names(env) == ["张1", "张2"]
    assert crafted.latest(env.warehouse, "人员名单.csv")["status"] == "loaded"
    crafted.check_ledger_invariants(env.warehouse)


def test_batch_ids_are_deterministic(env, tmp_path) -> None:
    env.deliver("人员名单.csv", _people(1))
    env.run()
    first = crafted.latest(env.warehouse, "人员名单.csv")["batch_id"]
    env.warehouse.unlink()
    env.run()
    assert crafted.latest(env.warehouse, "人员名单.csv")["batch_id"] == first
