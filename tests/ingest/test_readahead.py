"""Reading ahead across files: the reader thread hashes, opens and parses the next files while
the loader writes; the loader alone decides and writes. A wrong guess of the reader (the ledger
changed during the run) costs time, never rows; a rerun parses nothing; a reader that fails or a
loader that stops leaves no thread behind."""

from __future__ import annotations

import threading
from datetime import date

import pytest

from ingest import crafted
from ingest.crafted import PEOPLE, person
from pipelines.ingest import _readahead
from pipelines.ingest._landing import walk_landing
from pipelines.ingest._ledger import LedgerState
from pipelines.ingest._stage import match


def _people(*ids: int) -> str:
    return crafted.csv_text([person(i) for i in ids])


def _count_opens(monkeypatch) -> list[str]:
    opened: list[str] = []
    real = _readahead.open_source

    def counting(path, contract):
        opened.append(path.name)
        return real(path, contract)

    monkeypatch.setattr(_readahead, "open_source", counting)
    return opened


def test_a_file_the_reader_passed_over_is_loaded_by_the_loader(env, monkeypatch) -> None:
    """At the start of the second run 人员名单_b.csv holds the same bytes as the loaded batch of
    人员名单.csv, so the reader takes it for a duplicate and does not open it; but 人员名单.csv
    is redelivered first in the same run, its old batch is replaced, and the loader then loads
    the file itself."""
    original = _people(1, 2)
    path = env.deliver("人员名单.csv", original)
    env.run()
    path.write_text(_people(3))
    env.deliver("人员名单_b.csv", original)
    opened = _count_opens(monkeypatch)
    summary = env.run()
    statuses = {o.file.rsplit("/", 1)[-1]: o.status for o in summary.outcomes}
    assert statuses == {"人员名单.csv": "replaced", "人员名单_b.csv": "loaded"}
    assert opened == ["人员名单.csv"]  # the reader's guess; the loader opened the other itself
    rows = crafted.raw_rows(env.warehouse, PEOPLE)
    assert sorted((r["_file"].rsplit("/", 1)[-1], r["姓名"]) for r in rows) == [
        ("人员名单.csv", "张3"), ("人员名单_b.csv", "张1"), ("人员名单_b.csv", "张2"),
    ]
    crafted.check_ledger_invariants(env.warehouse)


def test_a_file_read_ahead_but_not_loaded_is_dropped(env, monkeypatch) -> None:
    """Same bytes in two deliveries of one run: the reader parses both (the ledger at the start
    knows neither), the loader loads the first and records the second as a duplicate."""
    env.deliver("人员名单.csv", _people(1, 2))
    env.deliver("人员名单.csv", _people(1, 2), day="2026-10-08")
    env.deliver("人员名单.csv", _people(5), day="2026-10-09")
    opened = _count_opens(monkeypatch)
    summary = env.run()
    assert [o.status for o in summary.outcomes] == ["loaded", "duplicate", "loaded"]
    assert len(opened) == 3
    assert sorted(r["姓名"] for r in crafted.raw_rows(env.warehouse, PEOPLE)) == ["张1", "张2", "张5"]
    crafted.check_ledger_invariants(env.warehouse)


def test_a_rerun_opens_no_file(env, monkeypatch) -> None:
    env.deliver("人员名单.csv", _people(1))
    env.deliver("人员名单_part2.csv", _people(2))
    env.deliver("事件.json", "[]")
    env.deliver("人员名单.csv", _people(3), day="2026-12-01")  # after the as-of date
    env.run()
    opened = _count_opens(monkeypatch)
    summary = env.run()
    assert opened == []
    assert {o.status for o in summary.outcomes} == {"unchanged"}


def test_a_reader_failure_surfaces_in_the_loader_and_no_thread_is_left(env, monkeypatch) -> None:
    env.deliver("人员名单.csv", _people(1))
    env.deliver("人员名单_part2.csv", _people(2))

    def broken(path):
        if path.name == "人员名单_part2.csv":
            raise OSError(f"disk gone while reading {path.name}")
        return real(path)

    real = _readahead.digest
    monkeypatch.setattr(_readahead, "digest", broken)
    with pytest.raises(OSError, match="disk gone"):
        env.run()
    assert not any(t.name == "ingest-reader" for t in threading.enumerate())
    # the open transaction was rolled back; a rerun loads the delivery
    monkeypatch.setattr(_readahead, "digest", real)
    env.run()
    assert sorted(r["姓名"] for r in crafted.raw_rows(env.warehouse, PEOPLE)) == ["张1", "张2"]


def test_a_loader_that_stops_early_stops_the_reader(env) -> None:
    for i in range(6):
        env.deliver(f"人员名单_part{i}.csv", _people(*range(i * 1000, i * 1000 + 1000)))
    files = walk_landing(env.landing)
    with _readahead.ReadAhead(files, LedgerState([]), date(2026, 10, 31), match) as ahead:
        first = next(iter(ahead))
        assert first.delivered == files[0] and first.source is not None
    assert not any(t.name == "ingest-reader" for t in threading.enumerate())


def test_prepared_files_come_in_order_with_their_chunks(env) -> None:
    env.deliver("人员名单_part1.csv", _people(1, 2))
    env.deliver("人员名单_part2.csv", "公民身份号码\n")  # a required column missing: rejected
    env.deliver("人员名单_part3.csv", _people(3) + "short,row\n")
    files = walk_landing(env.landing)
    seen = []
    with _readahead.ReadAhead(files, LedgerState([]), date(2026, 10, 31), match) as ahead:
        for prepared in ahead:
            if prepared.source is None:
                seen.append((prepared.delivered.name, "failed", str(prepared.failure)))
                continue
            chunks = list(prepared.chunks())
            good = sum(c.good.height for c in chunks)
            bad = sum(c.bad.height for c in chunks)
            seen.append((prepared.delivered.name, good, bad))
    assert seen == [
        ("人员名单_part1.csv", 2, 0),
        ("人员名单_part2.csv", "failed", "required columns missing: 姓名"),
        ("人员名单_part3.csv", 1, 1),
    ]
