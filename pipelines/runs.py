"""The chain-level run id: one id names one run of the whole chain of stages.

`govdata run` creates it and every stage it runs records it in `meta.runs` beside the stage's own
row id; in a scheduled chain the first DAG derives it from its Airflow DAG run and passes it on in
the `extra` of the Asset events that trigger the next DAGs. A stage run on its own (one CLI
command) gets an id of its own. Every output of a later stage names the chain's id.

The id is an audit value (it carries the wall-clock start, which sorts report folders by time),
so outputs compared across reruns set it aside.
"""

from __future__ import annotations

import hashlib
import os
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

RUN_ID_ENV = "GOVDATA_RUN_ID"
"""Environment variable that carries the chain's run id to every stage of one process or task."""

EXTRA_KEY = "govdata_run_id"
"""Key of the run id in an Asset event's `extra` (how a scheduled chain passes it on)."""

AS_OF_KEY = "govdata_as_of"
"""Key of the chain's as-of date in an Asset event's `extra` (with `as_of = "logical_date"`)."""


def new_run_id(started: datetime | None = None, salt: str | None = None) -> str:
    """A run id: the chain's start in UTC (sortable) and a short random or derived suffix.

    Args:
        started: when the chain started (now by default).
        salt: when given, the suffix is derived from it (the same Airflow DAG run always gives the
            same id, so every task of the first DAG agrees without talking to each other).
    """
    started = (started or datetime.now(UTC)).astimezone(UTC)
    suffix = hashlib.sha256(salt.encode()).hexdigest()[:6] if salt else uuid.uuid4().hex[:6]
    return f"{started:%Y%m%dT%H%M%SZ}-{suffix}"


def current_run_id() -> str | None:
    """The chain's run id in force in this process, if a chain (or a task of one) set it."""
    return os.environ.get(RUN_ID_ENV) or None


@contextmanager
def chain_scope(run_id: str) -> Iterator[str]:
    """Run the enclosed stages under `run_id` (restoring what was in force before)."""
    before = os.environ.get(RUN_ID_ENV)
    os.environ[RUN_ID_ENV] = run_id
    try:
        yield run_id
    finally:
        if before is None:
            os.environ.pop(RUN_ID_ENV, None)
        else:
            os.environ[RUN_ID_ENV] = before


def run_id_from_context(context: Mapping[str, Any]) -> str:
    """The chain's run id for an Airflow task, from what triggered its DAG run.

    In order: the id carried by a triggering Asset event (a DAG later in a scheduled chain); the id
    `govdata run` set for its process; an id derived from this Airflow DAG run (the first DAG of a
    scheduled chain: the same for all of its tasks, mapped ones included).
    """
    carried = _from_triggering_events(context, EXTRA_KEY)
    if carried:
        return carried
    if current_run_id():
        return current_run_id()  # type: ignore[return-value]
    dag_run = context.get("dag_run")
    started = getattr(dag_run, "run_after", None) or getattr(dag_run, "start_date", None)
    salt = f"{getattr(dag_run, 'dag_id', '')}:{getattr(dag_run, 'run_id', '')}"
    return new_run_id(started, salt=salt if dag_run is not None else None)


def as_of_from_context(context: Mapping[str, Any], timezone: str) -> str | None:
    """The as-of date a scheduled task must use when the settings say `logical_date`.

    A DAG triggered by an Asset takes the date its chain started with (the event's extra); the
    first DAG takes its own logical date (or, lacking one, when it was due) in the county's time
    zone, so the 01:30 run of 2 November works as of 2 November wherever the server's clock is.
    """
    from zoneinfo import ZoneInfo

    carried = _from_triggering_events(context, AS_OF_KEY)
    if carried:
        return carried
    dag_run = context.get("dag_run")
    moment = context.get("logical_date") or getattr(dag_run, "logical_date", None) or getattr(dag_run, "run_after", None)
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(ZoneInfo(timezone)).date().isoformat()


def _from_triggering_events(context: Mapping[str, Any], key: str) -> str | None:
    """`key` of the `extra` of an Asset event that triggered this DAG run, if one carries it."""
    events = context.get("triggering_asset_events") or {}
    for asset_events in events.values() if hasattr(events, "values") else []:
        for event in asset_events or []:
            extra = getattr(event, "extra", None) or {}
            if extra.get(key):
                return str(extra[key])
    return None
