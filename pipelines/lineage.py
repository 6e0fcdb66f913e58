"""Lineage as OpenLineage events, so a data catalog (Marquez, DataHub, OpenMetadata) can import
the path from a department's delivered file to a library table and on to what was published.

Three producers, one place: Airflow's OpenLineage provider emits an event per task of every DAG
(configured by `airflow_environment()` from these settings); openlineage-dbt turns each dbt
command's artifacts into an event per model, naming the tables it read and wrote; and the stages
that are not dbt (ingest, resolve, publish, report) say here which files and tables they read and
wrote. All of them write through the file transport to `<lineage>/` (one JSON event per line) or,
when `lineage_url` is set, to that OpenLineage server. Warehouse tables are named as
openlineage-dbt names them for dbt-duckdb (namespace `duckdb://<warehouse file>`, name
`<database>.<schema>.<table>`), delivered files by the OpenLineage convention for local files
(namespace `file`, name the absolute path), so the three producers' datasets join up.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from pipelines.settings import Settings

log = logging.getLogger(__name__)

NAMESPACE = "govdata"
"""OpenLineage job namespace of every job of the project."""

PRODUCER = "https://github.com/govdata/govdata"
EVENTS_FILE = "govdata.jsonl"
AIRFLOW_EVENTS_FILE = "airflow.jsonl"


def enabled(settings: Settings) -> bool:
    return bool(settings.lineage)


def transport_config(settings: Settings, file_name: str = EVENTS_FILE) -> dict[str, Any]:
    """The OpenLineage transport: a lineage server when configured, else a file of events."""
    if settings.lineage_url:
        return {"type": "http", "url": settings.lineage_url}
    return {"type": "file", "log_file_path": str(settings.lineage_path / file_name), "append": True}


def airflow_variables(settings: Settings) -> dict[str, str]:
    """`AIRFLOW__OPENLINEAGE__*` for Airflow's OpenLineage provider (events of every task)."""
    if not enabled(settings):
        return {"AIRFLOW__OPENLINEAGE__DISABLED": "True"}
    settings.lineage_path.mkdir(parents=True, exist_ok=True)
    return {
        "AIRFLOW__OPENLINEAGE__DISABLED": "False",
        "AIRFLOW__OPENLINEAGE__NAMESPACE": NAMESPACE,
        "AIRFLOW__OPENLINEAGE__TRANSPORT": json.dumps(transport_config(settings, AIRFLOW_EVENTS_FILE)),
        # Emit each task's events from a thread of the task's process, waited for as long as a
        # forked emitter would be, instead of a fork of that process per event (the provider's
        # default). Under `govdata run` every task runs in one process that holds gigabytes
        # after resolve and build, and a fork copies its page tables: 42 forks cost 3.6 s in
        # the county ingest DAG alone (bench/README.md), and forking a process whose DuckDB
        # threads hold locks is what fork-safety warnings are about.
        "AIRFLOW__OPENLINEAGE__EXECUTE_IN_THREAD": "True",
    }


def warehouse_namespace(settings: Settings) -> str:
    return f"duckdb://{settings.warehouse_path}"


def table_dataset(settings: Settings, qualified: str) -> tuple[str, str]:
    """(namespace, name) of a warehouse table `schema.table`, as openlineage-dbt names it."""
    return warehouse_namespace(settings), f"{settings.warehouse_path.stem}.{qualified}"


def file_dataset(path: Path) -> tuple[str, str]:
    """(namespace, name) of a file on this machine (OpenLineage's naming for local files)."""
    return "file", str(Path(path).resolve())


def stage_run_uuid(chain_run_id: str, stage: str) -> str:
    """A stage run's OpenLineage run id, derived from the chain's run id (stable, UUID-shaped)."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"govdata:{chain_run_id}:{stage}"))


def emit_stage(
    settings: Settings,
    stage: str,
    chain_run_id: str,
    inputs: Iterable[tuple[str, str]],
    outputs: Iterable[tuple[str, str]],
) -> None:
    """One COMPLETE event for a stage run: the datasets it read and wrote."""
    if not enabled(settings):
        return
    from openlineage.client.event_v2 import InputDataset, Job, OutputDataset, Run, RunEvent, RunState
    from openlineage.client.facet_v2 import parent_run

    chain = parent_run.ParentRunFacet(
        run=parent_run.Run(runId=stage_run_uuid(chain_run_id, "run")),
        job=parent_run.Job(namespace=NAMESPACE, name="govdata.run"),
    )
    event = RunEvent(
        eventType=RunState.COMPLETE,
        eventTime=_event_time(),
        run=Run(runId=stage_run_uuid(chain_run_id, stage), facets={"parent": chain}),
        job=Job(namespace=NAMESPACE, name=f"govdata.{stage}"),
        producer=PRODUCER,
        inputs=[InputDataset(namespace=ns, name=name) for ns, name in sorted(set(inputs))],
        outputs=[OutputDataset(namespace=ns, name=name) for ns, name in sorted(set(outputs))],
    )
    _client(settings).emit(event)


def emit_dbt(settings: Settings, project_dir: Path, target_path: Path, chain_run_id: str, stage: str) -> int:
    """The events of the dbt command that just ran (from its manifest and run results), each
    model's job a child of the stage's run. Returns how many events were written."""
    if not enabled(settings):
        return 0
    from openlineage.common.provider.dbt import ParentRunMetadata
    from openlineage.common.provider.dbt.local import DbtLocalArtifactProcessor

    processor = _processor_class(DbtLocalArtifactProcessor)(
        producer=PRODUCER,
        job_namespace=NAMESPACE,
        project_dir=str(project_dir),
        target_path=str(target_path),
        dbt_command_line=["dbt", "build", "--profiles-dir", str(project_dir)],
        skip_errors=True,
        logger=log,
    )
    processor.dbt_run_metadata = ParentRunMetadata(
        run_id=stage_run_uuid(chain_run_id, stage),
        job_name=f"govdata.{stage}",
        job_namespace=NAMESPACE,
        root_parent_run_id=stage_run_uuid(chain_run_id, "run"),
        root_parent_job_name="govdata.run",
        root_parent_job_namespace=NAMESPACE,
    )
    events = processor.parse().events()
    client = _client(settings)
    for event in events:
        client.emit(event)
    return len(events)


def _processor_class(base: type) -> type:
    """openlineage-dbt names a source's dataset by the source's dbt name (`raw.account`) even
    where its `identifier` names the real table (`raw.gongdian__account`, `raw.gongshui__account`):
    this subclass names it by the real table, as every other producer does."""

    class TrueTableNames(base):  # type: ignore[misc, valid-type]
        def extract_dataset_data(self, node: Any, *args: Any, **kwargs: Any) -> Any:
            namespace, name, facets, input_facets = super().extract_dataset_data(node, *args, **kwargs)
            meta = node.metadata_node
            if node.type == "source" and meta.get("identifier"):
                name = self._format_dataset_name(meta["database"], meta["schema"], meta["identifier"])
            return namespace, name, facets, input_facets

    return TrueTableNames


def read_events(settings: Settings) -> list[Mapping[str, Any]]:
    """Every event of the lineage folder's files (for tests and for a quick look)."""
    events: list[Mapping[str, Any]] = []
    for path in sorted(settings.lineage_path.glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                events.append(json.loads(line))
    return events


def _client(settings: Settings) -> Any:
    from openlineage.client import OpenLineageClient
    from openlineage.client.transport import get_default_factory

    settings.lineage_path.mkdir(parents=True, exist_ok=True)
    return OpenLineageClient(transport=get_default_factory().create(transport_config(settings)))


def _event_time() -> str:
    """Event time (an audit value: lineage events record when they happened)."""
    from datetime import UTC, datetime

    return datetime.now(UTC).isoformat()
