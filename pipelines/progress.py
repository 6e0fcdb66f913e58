"""Progress inside long stages (files ingested, models built, suites checked), for a console.

Stages call `advance(...)` as they go; nothing is shown unless a caller (`govdata run`, a CLI
command) installed a sink with `shown_by(...)`. Lines are rate-limited per stage so a county run
prints a handful, not thousands; the last step of each stage is always shown.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

MIN_INTERVAL_S = 5.0
"""At most one line per stage in this many seconds (besides the last)."""

_sink: Callable[[str], None] | None = None
_last: dict[str, float] = {}
_lock = threading.Lock()


@contextmanager
def shown_by(sink: Callable[[str], None]) -> Iterator[None]:
    """Show progress lines through `sink` while the enclosed stages run."""
    global _sink
    before = _sink
    _sink = sink
    try:
        yield
    finally:
        _sink = before
        _last.clear()


def advance(stage: str, done: int, total: int, unit: str) -> None:
    """Report that `done` of `total` `unit` of `stage` are finished (thread-safe)."""
    sink = _sink
    if sink is None or total <= 0:
        return
    now = time.monotonic()
    with _lock:
        if done < total and now - _last.get(stage, 0.0) < MIN_INTERVAL_S:
            return
        _last[stage] = now
    sink(f"  {stage}: {done}/{total} {unit}")
