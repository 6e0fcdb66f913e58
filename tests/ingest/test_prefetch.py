"""The read-ahead thread: chunks arrive in order, reader errors surface in the loader, and a
loader that stops early stops the reader."""

from __future__ import annotations

import threading
import time

import pytest

from pipelines.ingest._errors import FileRejected
from pipelines.ingest._sources import prefetched


def test_items_arrive_in_order() -> None:
    assert list(prefetched(iter(range(50)))) == list(range(50))  # type: ignore[arg-type]


def test_reader_errors_are_raised_in_the_consumer_after_the_items_before_them() -> None:
    def reader():
        yield 1
        yield 2
        raise FileRejected("truncated JSON", rows_read=2)

    seen = []
    with pytest.raises(FileRejected, match="truncated JSON"):
        for item in prefetched(reader()):  # type: ignore[arg-type]
            seen.append(item)
    assert seen == [1, 2]


def test_a_consumer_that_stops_early_stops_the_reader() -> None:
    produced = []

    def reader():
        for i in range(1_000):
            produced.append(i)
            yield i

    for item in prefetched(reader(), depth=2):  # type: ignore[arg-type]
        if item == 3:
            break
    time.sleep(0.3)
    assert len(produced) < 10
    assert not any(t.name == "ingest-reader" for t in threading.enumerate())
