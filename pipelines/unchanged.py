"""Skip a stage whose inputs have not changed since its last successful run.

A rerun with no new deliveries should not re-standardise, re-resolve or re-check what it did
last time (issue 22: at most 20% of a first run). Each of the stages after ingest (`stage`,
`check_staging`, `resolve`, `build`, `check_libraries`) computes a fingerprint of everything its
outputs are a function of:

- the ingest ledger's deliveries (every loaded or replacing file: path, SHA-256, batch, rows),
- the content of the tables it reads (per table: columns, rows and the sum of DuckDB's hash of
  every row; for the build also the reviewers' decisions on systems that `lib_systems` reads),
- the as-of date and the settings (all but those that only say where the files are, where logs
  go, how the machine is used or how DuckDB spills),
- the project's code (the `pipelines` package but the sample-county generator, the dbt project
  but the files generated from the contracts, the expectations) and the versions of the engines
  (DuckDB, dbt, Polars, GX, ...).

Every attempt appends a row to `meta.stage_inputs` (append-only, beside the stage's
`meta.runs` row, named by its run id): `started` before the work, `done` with the stage's
summary and the fingerprint of its inputs as it left them after it succeeded, `failed` when it
raised. A stage is skipped when its latest row is `done` (or `skipped`) with the same
fingerprint and its outputs are still there. Then it appends a `skipped` row here and a
`meta.runs` row with outcome `skipped` (rows in and out those of the run whose outputs stand,
the message naming it) and returns that run's summary; the report, which reads each stage's
latest successful run, reads that run's results. A run killed half-way leaves `started` as the
stage's latest row, so the next run does the work again; a failed run leaves `failed`.
Any new or changed delivery, setting, as-of date or code changes the fingerprint of every stage.

`skip_unchanged = false` (GOVDATA_SKIP_UNCHANGED=false) always runs every stage.
"""

from __future__ import annotations

import hashlib
import json
import time
import uuid
from collections.abc import Callable, Iterable
from importlib import metadata
from pathlib import Path
from typing import Any, TypeVar

import duckdb

from pipelines.runs import current_run_id, new_run_id
from pipelines.settings import PROJECT_ROOT, Settings
from pipelines.warehouse import StageRun, append_run, connect, last_stage_run_id, table_exists, utc_now

LIBRARY_SCHEMAS = (
    "lib_population", "lib_legal_entity", "lib_spatial", "lib_macro", "lib_credit", "lib_elicense",
    "lib_decision", "lib_systems",
)  # as pipelines.build.LIBRARY_SCHEMAS (not imported: build imports this module)

_STAGED = (("staging", "stg\\_%"), ("staging", "int\\_person\\_records"), ("staging", "int\\_org\\_records"))
_LIBRARIES = tuple((schema, "%") for schema in LIBRARY_SCHEMAS)
READS: dict[str, tuple[tuple[str, str], ...]] = {
    "stage": (("raw", "%"),),
    "check_staging": _STAGED,
    "resolve": _STAGED[1:],
    "build": (*_STAGED, ("er", "%"), ("dq", "system\\_dispositions")),
    "check_libraries": (*_LIBRARIES, *_STAGED, ("er", "%")),
}
"""(schema, table name pattern) of the tables whose content each stage's fingerprint includes:
what the stages before it wrote for it (not the build's own intermediate tables in `staging`;
the resolver's id maps in `er` are its own memory, not its input), and for the build the
reviewers' decisions on systems that `lib_systems` reads. The library checks also read records
and crosswalks."""

SETTINGS_NOT_INPUTS = frozenset({
    "root", "warehouse", "landing", "truth", "scale", "seed", "lineage", "lineage_dir", "lineage_url",
    "logs", "airflow_host", "airflow_port", "alert_email", "alert_webhook", "ingest_schedule",
    "check_workers", "duckdb_memory_limit", "duckdb_temp_directory", "skip_unchanged",
})
"""Settings no stage output depends on: where the warehouse and the landing are (the ledger and
the tables say what they hold), the generator's, logging, alerting, scheduling, parallelism and
spilling (`check_workers` changes how checks are spread, not their results)."""

ENGINES = ("duckdb", "dbt-core", "dbt-duckdb", "polars", "great_expectations", "recordlinkage",
           "pandas", "pyarrow", "numpy")

CODE_FOLDERS = ("pipelines", "dbt_project", "expectations")
CODE_SKIPPED = frozenset({"__pycache__", "target", "logs", "dbt_packages", "generator", "uncommitted", ".venv"})
CODE_SUFFIXES = frozenset({".py", ".sql", ".yml", ".yaml", ".toml", ".j2", ".json", ".csv", ".md", ".txt"})

_DDL = """
create table if not exists meta.stage_inputs (
    seq bigint not null,
    stage varchar not null,
    run_id varchar,
    fingerprint varchar not null,
    state varchar not null,
    source_run_id varchar,
    summary varchar,
    recorded_at timestamp not null
)
"""

T = TypeVar("T", bound=dict)


def code_version(root: Path = PROJECT_ROOT) -> str:
    """SHA-256 over the project's code files (path and bytes) and the engines' versions.

    The dbt files generated from the contracts (`pipelines.dbt_codegen`) are left out: their
    content is a function of the contracts and `pipelines/dbt_codegen.py`, which are hashed, and
    the stage writes them before anything reads them. Hashing them made a fingerprint depend on
    when a process (re)wrote them, not on the code: a stage that started before a rewrite and
    finished after it recorded inputs no later run could match."""
    from pipelines.dbt_codegen import is_generated

    digest = hashlib.sha256()
    for folder in CODE_FOLDERS:
        base = root / folder
        if not base.is_dir():
            continue
        for path in sorted(_code_files(base)):
            data = path.read_bytes()
            if is_generated(data):
                continue
            digest.update(str(path.relative_to(root)).encode())
            digest.update(b"\0")
            digest.update(data)
            digest.update(b"\0")
    for name in ENGINES:
        try:
            version = metadata.version(name)
        except metadata.PackageNotFoundError:
            version = "-"
        digest.update(f"{name}=={version}\n".encode())
    return digest.hexdigest()


def _code_files(base: Path) -> Iterable[Path]:
    for path in base.iterdir():
        if path.name.startswith(".") or path.name in CODE_SKIPPED:
            continue
        if path.is_dir():
            yield from _code_files(path)
        elif path.suffix in CODE_SUFFIXES:
            yield path


def settings_digest(settings: Settings) -> str:
    """SHA-256 of the settings the outputs depend on (the as-of date among them)."""
    values = settings.model_dump(mode="json", exclude=set(SETTINGS_NOT_INPUTS))
    return hashlib.sha256(json.dumps(values, sort_keys=True, default=str).encode()).hexdigest()


def _ledger_digest(con: duckdb.DuckDBPyConnection) -> str:
    if not table_exists(con, "raw.ingest_ledger"):
        return "no ledger"
    rows = con.execute(
        """
        select file, sha256, source_table, delivery_date, batch_id, status, replaces_batch_id,
               rows_loaded, rows_quarantined
        from raw.ingest_ledger where status in ('loaded', 'replaced') order by seq
        """
    ).fetchall()
    return hashlib.sha256(json.dumps(rows, default=str).encode()).hexdigest()


_TABLE_DIGESTS: dict[tuple[str, str, str, str, int], str] = {}
"""Content digests by (database file, schema, table, columns with types, rows) within one
stage's call, so the fingerprint after the work does not hash again what the stage read: no
stage replaces or changes a table it reads (it may create one that was missing, which has no
entry). DuckDB's table oids cannot be the key: they are handed out again whenever the file is
opened, and change as soon as the stage has created any table (measured: every oid of a
warehouse differs after one `create table`), so keyed by them the inputs of every first run
were hashed twice. The cache is emptied at every call: between calls anything may have changed
a table in place."""


def _tables_digest(con: duckdb.DuckDBPyConnection, reads: tuple[tuple[str, str], ...]) -> str:
    """SHA-256 over every table matched by `reads`: its name, columns with types, rows and the
    sum of its rows' hashes (DuckDB's `hash` of the whole row, in parallel; order-free, so a
    table rebuilt with the same rows in another order has the same digest)."""
    wanted = " or ".join("(t.schema_name = ? and t.table_name like ? escape '\\')" for _ in reads)
    con.execute("set enable_progress_bar = false")
    database = con.execute("select current_database()").fetchone()[0]  # type: ignore[index]
    path = con.execute(
        "select coalesce(path, '') from duckdb_databases() where database_name = current_database()"
    ).fetchone()[0]  # type: ignore[index]
    tables = con.execute(
        f"""
        select t.schema_name, t.table_name, t.estimated_size,
               string_agg(c.column_name || ' ' || c.data_type, ',' order by c.column_index)
        from duckdb_tables() t
        join duckdb_columns() c
          on c.database_name = t.database_name and c.schema_name = t.schema_name and c.table_name = t.table_name
        where t.database_name = ? and ({wanted})
        group by all order by 1, 2
        """,
        [database, *[value for pair in reads for value in pair]],
    ).fetchall()
    parts = []
    for schema, table, size, columns in tables:
        key = (str(path), schema, table, str(columns), int(size or 0))
        if key not in _TABLE_DIGESTS:
            name = f'"{schema}"."{table}"'
            rows, total = con.execute(f"select count(*), coalesce(sum(hash(t)), 0) from {name} t").fetchone()  # type: ignore[misc]
            _TABLE_DIGESTS[key] = f"{schema}.{table}|{columns}|{rows}|{total}"
        parts.append(_TABLE_DIGESTS[key])
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


class Fingerprints:
    """The fingerprints of the chain's stages as the warehouse stands now."""

    def __init__(self, settings: Settings, con: duckdb.DuckDBPyConnection) -> None:
        self.common = hashlib.sha256(
            "\n".join([
                settings.as_of.isoformat(), settings_digest(settings), code_version(), _ledger_digest(con),
            ]).encode()
        ).hexdigest()
        self._con = con

    def of(self, stage: str) -> str:
        parts = [stage, self.common, _tables_digest(self._con, READS[stage])]
        return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def _latest(con: duckdb.DuckDBPyConnection, stage: str) -> tuple[str, str, str | None, str | None] | None:
    """(state, fingerprint, source run id, summary) of the stage's latest attempt."""
    row = con.execute(
        "select state, fingerprint, source_run_id, summary from meta.stage_inputs "
        "where stage = ? order by seq desc limit 1",
        [stage],
    ).fetchone()
    return (str(row[0]), str(row[1]), row[2], row[3]) if row else None


def _outputs_present(con: duckdb.DuckDBPyConnection, stage: str, source_run_id: str, summary: dict[str, Any]) -> bool:
    """Whether what the run `source_run_id` of `stage` wrote is still in the warehouse."""
    if stage == "stage":
        tables = ["staging.int_person_records", "staging.int_org_records"]
    elif stage == "resolve":
        tables = ["er.person_xref", "er.org_xref"]
    elif stage == "build":
        tables = [key for key in summary if key.startswith("lib_") and "." in key]
    else:  # the check stages: their results, and the Data Docs they wrote
        if not table_exists(con, "dq.results"):
            return False
        (found,) = con.execute("select count(*) from dq.results where run_id = ?", [source_run_id]).fetchone()  # type: ignore[misc]
        docs = summary.get("data docs")
        if not found or (isinstance(docs, str) and not Path(docs).exists()):
            return False
        tables = ["dq.gate"] if stage == "check_libraries" else []
    return all(table_exists(con, t) for t in tables)


def _append(
    con: duckdb.DuckDBPyConnection,
    stage: str,
    run_id: str | None,
    fingerprint: str,
    state: str,
    source_run_id: str | None = None,
    summary: str | None = None,
) -> None:
    con.execute(
        "insert into meta.stage_inputs select coalesce(max(seq), 0) + 1, ?, ?, ?, ?, ?, ?, ? from meta.stage_inputs",
        [stage, run_id, fingerprint, state, source_run_id, summary, utc_now()],
    )


def _unchanged(con: duckdb.DuckDBPyConnection, stage: str, fingerprint: str) -> tuple[str, dict[str, Any]] | None:
    """(source run id, summary) when the stage's latest attempt was done (or skipped) with this
    fingerprint and its outputs are still there. The stages before it need not be asked: the
    fingerprint holds the content of everything it reads, so whatever they did since (a rerun,
    a run that failed half-way) either left its inputs as they were or changed the fingerprint."""
    latest = _latest(con, stage)
    if latest is None or latest[0] not in ("done", "skipped") or latest[1] != fingerprint:
        return None
    source_run_id, summary = latest[2], json.loads(latest[3] or "{}")
    if not source_run_id or not _outputs_present(con, stage, source_run_id, summary):
        return None
    return source_run_id, summary


def _rows_of(con: duckdb.DuckDBPyConnection, run_id: str) -> tuple[int | None, int | None]:
    row = con.execute("select rows_in, rows_out from meta.runs where run_id = ? limit 1", [run_id]).fetchone()
    return (row[0], row[1]) if row else (None, None)


def run_unless_unchanged(stage: str, settings: Settings, work: Callable[[], T]) -> T:
    """Run `work` (the stage, which records its own `meta.runs` row) unless `stage` is current.

    Returns the stage's summary: the one `work` returns, or, skipped, that of the run whose
    outputs stand (and `meta.runs` gets a row with outcome `skipped` naming it).
    """
    if not settings.skip_unchanged:
        return work()
    started, clock = utc_now(), time.perf_counter()
    _TABLE_DIGESTS.clear()  # tables may have been changed in place since the last call
    with connect(settings) as con:
        con.execute(_DDL)
        fingerprint = Fingerprints(settings, con).of(stage)
        found = _unchanged(con, stage, fingerprint)
        if found is not None:
            source_run_id, summary = found
            rows_in, rows_out = _rows_of(con, source_run_id)
        else:
            _append(con, stage, None, fingerprint, "started")
    if found is not None:
        run = StageRun(
            stage, uuid.uuid4().hex[:16], rows_in, rows_out,
            f"skipped: inputs, settings and code unchanged since run {source_run_id} "
            f"(fingerprint {fingerprint[:16]})",
            chain_run_id=current_run_id() or new_run_id(),
        )
        append_run(settings, run, started, "skipped", round(time.perf_counter() - clock, 3))
        with connect(settings) as con:
            _append(con, stage, run.run_id, fingerprint, "skipped", source_run_id, json.dumps(summary, default=str))
        return summary  # type: ignore[return-value]
    try:
        summary = work()
    except BaseException:
        try:
            with connect(settings) as con:
                _append(con, stage, last_stage_run_id(stage), fingerprint, "failed")
        except duckdb.Error:
            pass  # the `started` row stays the latest: the next run does the work again
        raise
    run_id = last_stage_run_id(stage)
    with connect(settings) as con:
        # the inputs as the stage leaves them (the stage creates the raw tables of sources that
        # have not delivered yet, the build the reviewers' table before anyone decided)
        after = Fingerprints(settings, con).of(stage)
        _append(con, stage, run_id, after, "done", run_id, json.dumps(summary, default=str))
    return summary
