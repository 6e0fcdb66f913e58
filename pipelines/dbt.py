"""Run dbt in-process against the warehouse named by the settings.

dbt reads the warehouse path from GOVDATA_DBT_WAREHOUSE (see dbt_project/profiles.yml) and the
as-of date from `--vars`, both set here from the settings, so dbt never reads the clock and a
test can point it at a temporary warehouse.

dbt writes its artefacts (manifest, run_results.json, compiled SQL) to `dbt_project/target`, or
to the folder GOVDATA_DBT_TARGET names: runs against different warehouses at the same time (a
benchmark next to a test run) then do not overwrite each other's results.
"""

from __future__ import annotations

import gc
import json
import os
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import Any

from pipelines.errors import GovdataError
from pipelines.settings import Settings

DBT_PROJECT = Path(__file__).resolve().parents[1] / "dbt_project"


def dbt_target_path() -> Path:
    """Where dbt writes its artefacts: GOVDATA_DBT_TARGET, else `dbt_project/target`."""
    return Path(os.environ.get("GOVDATA_DBT_TARGET") or DBT_PROJECT / "target")


def dbt_environment(settings: Settings) -> dict[str, str]:
    """The variables dbt's profile reads (dbt_project/profiles.yml): the warehouse, and the
    DuckDB memory limit and spill folder of its connection (`Settings.duckdb_config`, the same
    every other warehouse connection gets)."""
    config = settings.duckdb_config()
    return {
        "GOVDATA_DBT_WAREHOUSE": str(settings.warehouse_path),
        "GOVDATA_DBT_MEMORY_LIMIT": config["memory_limit"],
        "GOVDATA_DBT_TEMP_DIRECTORY": config["temp_directory"],
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "False",
    }


@contextmanager
def _environment(settings: Settings) -> Iterator[None]:
    values = dbt_environment(settings)
    saved = {key: os.environ.get(key) for key in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def dbt_vars(settings: Settings) -> dict[str, Any]:
    """Variables every dbt run gets: the as-of date and the county profile.

    `county` is the whole profile (code, names, historic codes with their years, townships),
    which the models read through the `county_profile()` macro: the settings stay its one
    source. `county_code` / `county_codes` are kept for SQL that needs only the codes.
    """
    return {
        "as_of": settings.as_of.isoformat(),
        "county": settings.county.model_dump(mode="json"),
        "county_code": settings.county.code,
        "county_codes": settings.county.all_codes,
        # thresholds of lib_systems (defaults.toml [systems], each with its reason)
        "systems": settings.systems.model_dump(mode="json"),
    }


@contextmanager
def _cyclic_gc_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while dbt runs.

    dbt holds a large graph of objects (the manifest) that every collection walks again; during
    a county build the collector took about 2% of the CPU. Reference counting still frees
    memory; the collector resumes (and runs once) when dbt returns.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
            gc.collect()


def chain_ranks(graph: Any, scores: Mapping[str, int], costs: Mapping[str, float]) -> dict[str, int]:
    """Rank every node of a dbt graph by the estimated cost of the longest chain it starts.

    A node's chain cost is its own (`costs` by model name; tests and unit tests cost nothing of
    their own) plus the costliest chain among its successors. Ranks order by chain cost, most
    first, then by dbt's own score (graph level) and node id.
    """
    import networkx as nx

    chain: dict[str, float] = {}
    for node in reversed(list(nx.topological_sort(graph))):
        parts = str(node).split(".")
        own = costs.get(parts[2], 0.0) if parts[0] == "model" and len(parts) > 2 else 0.0
        chain[node] = own + max((chain[child] for child in graph.successors(node)), default=0.0)
    ranked = sorted(scores, key=lambda node: (-chain.get(node, 0.0), scores[node], node))
    return {node: rank for rank, node in enumerate(ranked)}


@contextmanager
def _costliest_chains_first(costs: Mapping[str, float]) -> Iterator[None]:
    """Make dbt start, among the nodes ready to run, the one with the costliest chain ahead.

    dbt's queue ranks ready nodes by graph level, then by name: at county scale the largest
    staging models (household register, insured persons) started half-way through the run and
    the record models, which wait for all of them, ran alone at the end while the other thread
    idled. Here the ranks are `chain_ranks`. Only the order in which independent nodes start
    changes, never what runs or what waits for what. A dbt without the hook (its queue is
    internal API) runs in its own order.
    """
    from dbt.graph.queue import GraphQueue

    original = getattr(GraphQueue, "_get_scores", None)
    if original is None:
        yield
        return

    def scores(self: GraphQueue, graph: Any) -> dict[str, int]:
        return chain_ranks(graph, original(self, graph), costs)

    GraphQueue._get_scores = scores  # type: ignore[method-assign]
    try:
        yield
    finally:
        GraphQueue._get_scores = original  # type: ignore[method-assign]


WAREHOUSE_LOCATION_KEYS = ("path",)
"""Connection settings of dbt's profile that say where the warehouse file is, not what it holds."""
WAREHOUSE_LOCATION_OPTIONS = ("memory_limit", "temp_directory")
"""DuckDB `config_options` of the profile that say how the machine is used (`dbt_environment`)."""


def parse_relevant_connection_info(credentials: Any) -> list[tuple[str, Any]]:
    """The connection settings a parse of this project can depend on: all of dbt's but the
    warehouse file's location and the memory and spill settings.

    Nothing in the project reads those while parsing (models and macros use `target.schema`
    and the database name, which the credentials keep as their own key), so a project parsed
    against one warehouse file parses the same against a copy of it elsewhere.
    """
    info = []
    for key, value in credentials.connection_info():
        if key in WAREHOUSE_LOCATION_KEYS:
            continue
        if key == "config_options" and isinstance(value, Mapping):
            value = {k: v for k, v in value.items() if k not in WAREHOUSE_LOCATION_OPTIONS}
        info.append((key, value))
    return sorted(info, key=lambda item: item[0])


@contextmanager
def _partial_parse_across_warehouses() -> Iterator[None]:
    """Let dbt reuse its saved parse (`partial_parse.msgpack` in the target folder) whatever
    warehouse file the profile names.

    dbt starts a full parse of the whole project (at county about 6 s of one core, a tenth of
    the stage) whenever any connection setting differs from the saved parse's, the warehouse
    path and the spill folder included: every run against a new or copied warehouse (a
    benchmark, a test, a second county) parsed everything again although nothing it parses
    reads them. Here the profile's fingerprint in dbt's parse state is that of
    `parse_relevant_connection_info`; the variables, the project file, dbt's version and every
    parsed file are compared as dbt does. A dbt without the hook (internal API) parses as it
    always did.
    """
    import pprint

    from dbt.artifacts.resources.base import FileHash
    from dbt.parser.manifest import ManifestLoader

    original = getattr(ManifestLoader, "build_manifest_state_check", None)
    if original is None:
        yield
        return

    def state_check(self: ManifestLoader) -> Any:
        check = original(self)
        credentials = self.root_project.credentials
        check.profile_hash = FileHash.from_contents(pprint.pformat(parse_relevant_connection_info(credentials)))
        return check

    ManifestLoader.build_manifest_state_check = state_check  # type: ignore[method-assign]
    try:
        yield
    finally:
        ManifestLoader.build_manifest_state_check = original  # type: ignore[method-assign]


SAVED_PARSE = "partial_parse.msgpack"
"""The file in which dbt saves its parse of the project in the target folder."""


def saved_parse_of(settings: Settings) -> Path:
    """Where the parse of the last dbt run against a warehouse of this database name is kept.

    dbt saves one parse per target folder, of its last run; a parse holds the database name (the
    warehouse file's stem) in every relation, so after a run against another name dbt parses in
    full again. Keeping a copy per name lets runs against two warehouses that share a target
    folder (`bench/stages.py`: `direct.duckdb`, then `airflow.duckdb`) each reuse their own; dbt
    still compares everything else (`_partial_parse_across_warehouses`) before it reuses one.
    """
    return dbt_target_path() / f"partial_parse.{settings.warehouse_path.stem}.msgpack"


def _keep_saved_parse(written: Path, before: int | None, kept: Path) -> None:
    """Copy the parse dbt saved during this run (if it saved one) to `kept`, whole or not at all."""
    import shutil
    import tempfile

    if not written.exists() or written.stat().st_mtime_ns == before:
        return  # dbt reused its saved parse unchanged, or parsed nothing
    handle, temporary = tempfile.mkstemp(prefix=f".{kept.name}.", dir=kept.parent)
    os.close(handle)
    try:
        shutil.copyfile(written, temporary)
        os.replace(temporary, kept)
    except OSError:
        Path(temporary).unlink(missing_ok=True)  # a missing copy costs a parse, nothing else


def _release_warehouse() -> None:
    """Close dbt-duckdb's process-wide DuckDB handle.

    dbt-duckdb keeps the database open in a class attribute after a run; in one process that
    runs every stage (`govdata run` under dag.test()) it would hold the warehouse file and block
    read-only connections and other processes' writes.
    """
    from dbt.adapters.duckdb.connections import DuckDBConnectionManager

    environment = DuckDBConnectionManager._ENV
    if environment is not None:
        environment.close()
    DuckDBConnectionManager.close_all_connections()


def _progress_callback(command: str) -> Any:
    """A dbt event callback for `pipelines.progress`: nodes finished of the nodes selected (dbt's
    per-node start and result events carry the total: "12 of 120 START ...")."""
    from pipelines import progress

    state = {"done": 0, "total": 0}

    def on_event(event: Any) -> None:
        data = getattr(event, "data", None)
        total = getattr(data, "total", 0) or 0
        if total:
            state["total"] = max(state["total"], int(total))
        if event.info.name == "NodeFinished":
            state["done"] += 1
            progress.advance(f"dbt {command}", state["done"], state["total"], "nodes")

    return on_event


def run_dbt(
    settings: Settings,
    command: str,
    args: Sequence[str] = (),
    *,
    costs: Mapping[str, float] | None = None,
    stage: str | None = None,
) -> list[dict[str, Any]]:
    """Invoke one dbt command; raise GovdataError naming every failed node.

    Args:
        costs: optional cost estimate per model name (e.g. raw rows of a staging model's
            source): dbt's threads then start the costliest chains of models first (see
            `_costliest_chains_first`); without it dbt's own order (level, then name).

        stage: the pipeline stage running the command: its models' OpenLineage events (from
            the manifest and run results, which dbt then writes) become children of that stage's
            run (`pipelines.lineage`). Without it, or with lineage off, dbt writes no JSON
            artifacts (they cost seconds per run).

    Returns the per-node results (name, status, rows affected when known, execution seconds).
    """
    from pipelines import lineage
    from dbt.cli.main import dbtRunner

    settings.warehouse_path.parent.mkdir(parents=True, exist_ok=True)
    cli_args = [
        command,
        "--project-dir",
        str(DBT_PROJECT),
        "--profiles-dir",
        str(DBT_PROJECT),
        "--vars",
        json.dumps(dbt_vars(settings)),
        "--log-path",
        str(settings.logs_path / "dbt"),
        "--target-path",
        str(dbt_target_path()),
        "--quiet",
        *args,
    ]
    with_lineage = stage is not None and lineage.enabled(settings)
    if not with_lineage:
        cli_args.append("--no-write-json")
    kept = saved_parse_of(settings)
    if kept.is_file():
        cli_args += ["--partial-parse-file-path", str(kept)]
    written = dbt_target_path() / SAVED_PARSE
    before = written.stat().st_mtime_ns if written.exists() else None
    ordering = _costliest_chains_first(costs) if costs else nullcontext()
    with _environment(settings), _cyclic_gc_paused(), _partial_parse_across_warehouses(), ordering:
        try:
            result = dbtRunner(callbacks=[_progress_callback(command)]).invoke(cli_args)
        finally:
            _release_warehouse()
            _keep_saved_parse(written, before, kept)
    nodes = []
    failures = []
    for item in getattr(result.result, "results", None) or []:
        status = str(getattr(item.status, "value", item.status))
        name = getattr(item.node, "unique_id", getattr(item.node, "name", "?"))
        adapter = getattr(item, "adapter_response", None) or {}
        nodes.append({
            "node": name,
            "status": status,
            "rows": adapter.get("rows_affected"),
            "seconds": getattr(item, "execution_time", None),
        })
        if status in {"error", "fail", "runtime error"}:
            message = (getattr(item, "message", "") or "").strip().splitlines()
            failures.append(f"{name}: {message[0] if message else status}")
    if failures:
        raise GovdataError(f"dbt {command} failed: " + "; ".join(failures[:5]))
    if not result.success:
        detail = f": {result.exception}" if result.exception else ""
        raise GovdataError(f"dbt {command} failed{detail}")
    if with_lineage:
        from pipelines.runs import current_run_id, new_run_id

        with _environment(settings):  # the profile names the warehouse through its variable
            lineage.emit_dbt(settings, DBT_PROJECT, dbt_target_path(), current_run_id() or new_run_id(), str(stage))
    return nodes
