"""A department's files share one transaction: a file given up after some of its rows were
written leaves none of them, and takes nothing from the files before it."""

from __future__ import annotations

import json

from ingest import crafted
from ingest.crafted import EVENTS, PEOPLE, person


def _small_pieces(env) -> None:
    """Every chunk is written as soon as it is read, so rows are in the transaction before the
    reader finds what is wrong further down the file."""
    from pipelines.ingest import _delimited, _jsondata, _stage

    env.monkeypatch.setattr(_stage, "INSERT_ROWS", 1)
    env.monkeypatch.setattr(_jsondata, "CHUNK_ROWS", 5)
    env.monkeypatch.setattr(_jsondata, "REQUIRED_SAMPLE", 10)
    env.monkeypatch.setattr(_delimited, "FAST_CHUNK_BYTES", 512)


def test_a_correction_rejected_after_writing_rows_replaces_nothing(env) -> None:
    _small_pieces(env)
    # GIVEN events loaded, then in the same delivery a correction cut off after 40 records
    env.deliver("事件.json", json.dumps([person(1), person(2)], ensure_ascii=False))
    cut = json.dumps([person(i) for i in range(100, 160)], ensure_ascii=False)
    env.deliver("事件_更正.json", cut[: len(cut) * 2 // 3])
    env.deliver("人员名单.csv", crafted.csv_text([person(7)]))
    # WHEN one run takes them all, in one transaction
    env.run()
    # THEN the correction is rejected, none of its rows stay, the original keeps its rows
    assert crafted.latest(env.warehouse, "事件_更正.json")["status"] == "rejected"
    assert sorted(r["姓名"] for r in crafted.raw_rows(env.warehouse, EVENTS)) == ["张1", "张2"]
    # AND the file after it in the transaction loaded
    assert [r["姓名"] for r in crafted.raw_rows(env.warehouse, PEOPLE)] == ["张7"]
    crafted.check_ledger_invariants(env.warehouse)


def test_a_reader_handing_over_late_leaves_each_row_once(env) -> None:
    from pipelines.ingest import _readahead
    from pipelines.ingest._errors import FallBack

    _small_pieces(env)
    real = _readahead.open_source

    def second_thoughts(path, contract):
        """A reader with a quick plan that hands over to the next one after three chunks."""
        source = real(path, contract)
        if contract.source == PEOPLE.source:
            thorough = source.plans[0]

            def quick():
                for index, chunk in enumerate(thorough()):
                    if index == 3:
                        raise FallBack("the quick plan gives up")
                    yield chunk

            source.plans = [quick, thorough]
        return source

    env.monkeypatch.setattr(_readahead, "open_source", second_thoughts)
    # GIVEN a file loaded before it, then a long CSV whose first plan wrote three chunks
    env.deliver("事件.json", json.dumps([person(1)], ensure_ascii=False))
    env.deliver("人员名单.csv", crafted.csv_text([person(i) for i in range(300)]))
    env.run()
    # THEN every row is in raw once, and the file before it kept its rows
    rows = crafted.raw_rows(env.warehouse, PEOPLE)
    assert sorted(int(r["_line"]) for r in rows) == list(range(2, 302))
    assert [r["姓名"] for r in crafted.raw_rows(env.warehouse, EVENTS)] == ["张1"]
    crafted.check_ledger_invariants(env.warehouse)


def test_a_failure_rolls_back_the_open_transaction_and_a_rerun_loads_it(env) -> None:
    from pipelines.ingest import _stage

    env.deliver("事件.json", json.dumps([person(1)], ensure_ascii=False))
    env.deliver("人员名单.csv", crafted.csv_text([person(2)]))
    insert = _stage._insert

    def failing(con, contract, record, chunks):
        if contract.source == PEOPLE.source:
            raise OSError("disk full")
        return insert(con, contract, record, chunks)

    env.monkeypatch.setattr(_stage, "_insert", failing)
    try:
        env.run()
    except OSError:
        pass
    else:
        raise AssertionError("the failure did not surface")
    # the events file was in the same open transaction: neither it nor its ledger row stayed
    assert crafted.raw_rows(env.warehouse, EVENTS) == []
    assert crafted.ledger(env.warehouse) == []
    env.monkeypatch.setattr(_stage, "_insert", insert)
    env.run()
    assert [r["姓名"] for r in crafted.raw_rows(env.warehouse, EVENTS)] == ["张1"]
    assert [r["姓名"] for r in crafted.raw_rows(env.warehouse, PEOPLE)] == ["张2"]
    crafted.check_ledger_invariants(env.warehouse)
