"""Run suites with Great Expectations on dataframes read from DuckDB, chunk by chunk.

One GX context per check run (GX is slow to start). Whatever needs the whole table (a key's
occurrence number for uniqueness, life events, totals) is computed by the suite's query, so every
check is row by row: its outcome on a row depends only on that row's values in the columns it
reads. GX therefore validates each distinct combination of those values once, with the number
of rows carrying it as its weight: a county's deliveries repeat values heavily (every snapshot
repeats every resident, a not-null check only needs to see each value's null-ness), and GX's
pandas metrics cost time per element. Counts are weighted back to rows, every failing row is
listed from the suite's rows, and success is recomputed with the check's threshold on the
totals, the way GX computes it on one batch: success when the share of evaluated (non-missing)
elements that pass reaches the threshold.
"""

from __future__ import annotations

import atexit
import logging
import math
import os
import time
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed
from contextlib import contextmanager
from datetime import date
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import pyarrow as pa

from pipelines import progress
from pipelines.errors import GovdataError
from pipelines.settings import Settings, get_settings, memory_bytes
from pipelines.quality.declarations import COUNT_MISSING, DIMENSION_EN, Check, GatePolicy, Suite, quote

log = logging.getLogger(__name__)

# combinations (or rows, for the wide groups) per GX batch: bounds memory at any scale (about
# 1.5 GB per worker at county); every batch costs GX's fixed per-check work again
DEFAULT_CHUNK_ROWS = 1_000_000
DATASOURCE = "govdata_frames"
# GX lists unexpected rows by this integer column: the number of a distinct combination of the
# values a group of checks reads (failures map it back to the suite's rows).
KEY = "__key"
WEIGHT = "__weight"  # rows of the suite carrying a combination
ROWS_TABLE = "__check_rows"  # the suite's rows, materialised once per suite (temporary)
GROUP_TABLE = "__check_group"  # one group's distinct combinations (temporary)
DISTINCT_MAX_COLUMNS = 3  # wider combinations are validated row by row (see `_group_query`)


@dataclass
class CheckOutcome:
    """The totals of one check over every chunk of its suite, and its failing rows."""

    check: Check
    suite: Suite
    elements: int = 0  # rows of the frame the check looked at (GX's element_count)
    evaluated: int = 0  # elements evaluated: non-missing values (all rows for a not-null check)
    unexpected: int = 0
    failures: list[pd.DataFrame] = field(default_factory=list)
    # when finished where validated (see `Finishing`): the masked dq.failures rows (`failures`
    # is then emptied)
    failure_frame: pd.DataFrame | None = None

    @property
    def ratio(self) -> float:
        return self.unexpected / self.evaluated if self.evaluated else 0.0

    @property
    def success(self) -> bool:
        """GX's rule on the totals: the passing share of evaluated elements reaches the threshold."""
        if self.evaluated == 0:
            return True
        return (self.evaluated - self.unexpected) / self.evaluated >= self.check.threshold

    def wilson_lower(self, z: float) -> float:
        """Lower end of the Wilson score interval of the failure rate (0 when nothing evaluated)."""
        n = self.evaluated
        if n == 0:
            return 0.0
        p = self.unexpected / n
        centre = p + z * z / (2 * n)
        spread = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
        return max(0.0, (centre - spread) / (1 + z * z / n))

    def closes_gate(self, policy: GatePolicy) -> bool:
        """A failed error check that counts against the gates (see `GatePolicy`)."""
        if self.check.rule.severity != "error" or self.success or self.suite.scope == "history":
            return False
        if self.suite.scope == "accessibility":
            return True  # its elements are tables: one missing table is enough
        if self.unexpected < policy.min_failures:
            return False
        return self.wilson_lower(policy.confidence_z) > (self.check.baseline_rate or 0.0)


@dataclass(frozen=True)
class RenderedSuite:
    """A suite's Data Docs page (HTML) and JSON document (see `pipelines.quality.docs`)."""

    page: str
    document: str


@dataclass
class SuiteOutcome:
    suite: Suite
    rows: int
    checks: list[CheckOutcome]
    validation_results: list[Any] = field(default_factory=list)
    seconds: float = 0.0  # wall-clock time the suite took (reading and validating)
    rendered: RenderedSuite | None = None  # rendered where validated (then validation_results is emptied)


class GxRunner:
    """One ephemeral GX context with a pandas datasource, reused for every suite of a run."""

    def __init__(self) -> None:
        os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
        import great_expectations as gx
        from great_expectations.data_context.types.base import ProgressBarsConfig
        from great_expectations.execution_engine import pandas_execution_engine

        # GX fingerprints every pandas batch (an MD5 over `hash_pandas_object` of every cell)
        # unless the frame exceeds this size; the fingerprint is only a batch marker that
        # nothing here reads, and it cost a third of the check stage at county scale (measured).
        pandas_execution_engine.HASH_THRESHOLD = 0

        import pipelines.quality.custom  # noqa: F401  (registers the custom expectations)

        self._gx = gx
        self.context = gx.get_context(mode="ephemeral")
        self.context.variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)
        self.datasource = self.context.data_sources.add_pandas(DATASOURCE)
        self._batch_definitions: dict[str, Any] = {}
        self._suites: dict[str, Any] = {}

    def _batch_definition(self, name: str) -> Any:
        """One dataframe asset per declared suite: adding an asset re-serialises the whole
        context's configuration, so one per group of checks cost seconds (measured)."""
        if name not in self._batch_definitions:
            asset = self.datasource.add_dataframe_asset(name)
            self._batch_definitions[name] = asset.add_batch_definition_whole_dataframe("whole")
        return self._batch_definitions[name]

    def gx_suites(self, suite: Suite) -> list[CheckGroup]:
        """The GX suites of a declared suite, one per set of columns its checks read. GX copies
        the batch's frame (dropping rows with missing values) for every metric it computes, so a
        batch of just the columns a group of checks reads is cheapest, and it is what lets each
        distinct combination of those columns be validated once. Each expectation carries its
        rule's meta.
        """
        if suite.name in self._suites:
            return self._suites[suite.name]
        from great_expectations.expectations.registry import get_expectation_impl

        groups: dict[tuple[str, ...], list[Check]] = {}
        for check in suite.checks:
            groups.setdefault(tuple(sorted(set(check.columns))), []).append(check)
        built = []
        for number, (columns, checks) in enumerate(groups.items()):
            gx_suite = self._gx.ExpectationSuite(name=f"{suite.name}#g{number}")
            ignore: dict[str, str | None] = {}
            for check in checks:
                impl = get_expectation_impl(check.rule.expectation)
                meta = {**check.rule.meta(), "check_id": check.check_id, "table": suite.table}
                expectation = impl(**check.kwargs, meta=meta, description=describe(check), notes=notes(check))
                ignore[check.check_id] = getattr(expectation, "ignore_row_if", None)
                gx_suite.add_expectation(expectation)
            built.append(CheckGroup(self.context.suites.add(gx_suite), suite.name, columns, checks, ignore))
        self._suites[suite.name] = built
        return built

    def validate_group(self, group: CheckGroup, frame: pd.DataFrame) -> Any:
        """Validate one chunk of a group's distinct combinations; every unexpected one is listed
        by its `KEY`."""
        result_format = {
            "result_format": "COMPLETE",
            "unexpected_index_column_names": [KEY],
            "return_unexpected_index_query": False,
        }
        narrow = frame[[KEY, *group.columns]]
        batch = self._batch_definition(group.suite_name).get_batch(batch_parameters={"dataframe": narrow})
        return batch.validate(group.gx_suite, result_format=result_format)


@dataclass
class CheckGroup:
    """The checks of a suite that read the same columns, and their GX suite."""

    gx_suite: Any
    suite_name: str  # the declared suite's
    columns: tuple[str, ...]
    checks: list[Check]
    ignore_row_if: dict[str, str | None]  # per check id: the expectation's rule for missing rows

    @property
    def distinct(self) -> bool:
        """Validate distinct combinations (else every row: see `_group_query`)."""
        return len(self.columns) <= DISTINCT_MAX_COLUMNS

    @property
    def null_only(self) -> bool:
        """Only not-null checks of one column: each value matters only by being null or not."""
        return len(self.columns) == 1 and all(c.rule.expectation in COUNT_MISSING for c in self.checks)


def describe(check: Check) -> str:
    """The line Data Docs show for a check: where, the GB/T 36344 dimension, and why."""
    rule = check.rule
    where = check.column or ", ".join(check.columns)
    return (
        f"**{where}** · {rule.dimension} {DIMENSION_EN[rule.dimension]} / {rule.indicator} · "
        f"{rule.severity} · {check.threshold:.1%} must pass · {rule.reason}"
    )


def notes(check: Check) -> str:
    """Markdown notes of a check: its rule, expectation and the columns it reads."""
    return (
        f"rule `{check.rule.name}` (expectations/rules.yaml) · expectation `{check.rule.expectation}` · "
        f"columns {', '.join(f'`{c}`' for c in check.columns)}"
    )


LINEAGE_COLUMNS = ("source_file", "source_line", "department")


def projected_query(con: duckdb.DuckDBPyConnection, suite: Suite) -> str:
    """The suite's query narrowed to the columns its checks read or dq.failures shows (with the
    record key, lineage and the `<column>_source` columns of library attributes).

    Suite queries select whole staged rows (`c.*`); converting unread columns to pandas was a
    fifth of the check stage at county scale. DuckDB pushes the projection into the query.
    """
    available = con.sql(suite.query).columns
    wanted: set[str] = {suite.index_column, *LINEAGE_COLUMNS}
    for check in suite.checks:
        wanted.update(check.columns)
        wanted.update(check.shown)
        if check.column is not None:
            wanted.add(check.column)
            wanted.add(f"{check.column}_source")
    keep = [name for name in available if name in wanted]
    if len(keep) == len(available):
        return suite.query
    listed = ", ".join(quote(name) for name in keep)
    return f"select {listed} from ({suite.query}) as checked"


def _group_query(group: CheckGroup) -> str:
    """The group's combinations with their weights, each keyed by the rowid of its first row.

    A group of only not-null checks needs just each value's null-ness (two combinations at most,
    each represented by one of its values). Combinations of more than `DISTINCT_MAX_COLUMNS`
    columns (the hygiene checks over every text column) rarely repeat: grouping them would cost
    more than it saves, so each row is its own combination there.
    """
    columns = ", ".join(quote(c) for c in group.columns)
    if not group.distinct:
        return f"select {columns}, 1::bigint as {WEIGHT}, rowid as {KEY} from {ROWS_TABLE}"
    if group.null_only:
        (column,) = group.columns
        picked = f"min({quote(column)}) as {quote(column)}"
        grouped = f"({quote(column)} is null)"
    else:
        picked, grouped = columns, columns
    return f"select {picked}, count(*) as {WEIGHT}, min(rowid) as {KEY} from {ROWS_TABLE} group by {grouped}"


def _read_group(con: duckdb.DuckDBPyConnection, group: CheckGroup, chunk_rows: int) -> Iterator[pd.DataFrame]:
    """The group's combinations (materialised as GROUP_TABLE for the failing rows), in chunks.

    Text columns come as Arrow-backed pandas strings: GX's pandas metrics (copies, null tests,
    regular expressions) run several times faster on them than on Python objects.
    """
    if group.distinct:
        con.execute(f"create or replace temp table {GROUP_TABLE} as {_group_query(group)}")
        query = f"select * from {GROUP_TABLE}"
    else:
        query = _group_query(group)
    reader = con.execute(query).fetch_record_batch(chunk_rows)
    pending: list[pa.RecordBatch] = []
    size = 0
    for batch in reader:
        pending.append(batch)
        size += batch.num_rows
        if size >= chunk_rows:
            yield _frame(pa.Table.from_batches(pending))
            pending, size = [], 0
    if pending:
        yield _frame(pa.Table.from_batches(pending))


_ARROW_STRINGS = {pa.string(): pd.StringDtype("pyarrow"), pa.large_string(): pd.StringDtype("pyarrow")}


def _frame(table: pa.Table) -> pd.DataFrame:
    return table.to_pandas(types_mapper=_ARROW_STRINGS.get)


class CheckError(GovdataError):
    """A check could not be evaluated (a bug or a frame without the column it names)."""


def raised_message(info: Any) -> str | None:
    """The exception message GX recorded for a result, flat or keyed by metric, else None."""
    if not isinstance(info, dict):
        return None
    if info.get("raised_exception"):
        return str(info.get("exception_message") or "unknown error").splitlines()[0]
    for value in info.values():
        if isinstance(value, dict) and value.get("raised_exception"):
            return str(value.get("exception_message") or "unknown error").splitlines()[0]
    return None


def missing_rows(frame: pd.DataFrame, check: Check, ignore_row_if: str | None) -> pd.Series:
    """Which rows of a frame GX leaves out of a check's evaluated elements (its missing rows):
    a null value for a one-column check; for a column pair or a column list, its
    `ignore_row_if` rule. A not-null check evaluates every row."""
    if check.rule.expectation in COUNT_MISSING:
        return pd.Series(False, index=frame.index)
    kwargs = check.kwargs
    if "column_A" in kwargs:
        a, b = frame[kwargs["column_A"]].isna(), frame[kwargs["column_B"]].isna()
        rules = {"both_values_are_missing": a & b, "either_value_is_missing": a | b, "neither": a & False}
        return rules[ignore_row_if or "both_values_are_missing"]
    if "column_list" in kwargs:
        nulls = frame[list(kwargs["column_list"])].isna()
        rules = {"all_values_are_missing": nulls.all(axis=1), "any_value_is_missing": nulls.any(axis=1)}
        return rules.get(ignore_row_if or "all_values_are_missing", pd.Series(False, index=frame.index))
    return frame[kwargs["column"]].isna()


def _weigh(outcome: CheckOutcome, frame: pd.DataFrame, details: dict[str, Any], ignore_row_if: str | None) -> list[int]:
    """Add one chunk's result to the check's totals, weighted by rows; returns the unexpected
    combinations' keys."""
    weights = frame[WEIGHT]
    missing = missing_rows(frame, outcome.check, ignore_row_if)
    reported = int(details.get("missing_count") or 0) if outcome.check.rule.expectation not in COUNT_MISSING else 0
    if int(missing.sum()) != reported:  # the rule above must be GX's: never guess a count
        raise CheckError(
            f"{outcome.suite.name}: check {outcome.check.check_id}: GX left out {reported} combinations, "
            f"the runner's rule {int(missing.sum())}"
        )
    listed = details.get("unexpected_index_list") or []
    keys = [int(item[KEY] if isinstance(item, dict) else item) for item in listed]
    if len(keys) != int(details.get("unexpected_count") or 0):
        raise CheckError(f"{outcome.suite.name}: check {outcome.check.check_id}: GX listed {len(keys)} of "
                         f"{details.get('unexpected_count')} unexpected combinations")
    outcome.elements += int(weights.sum())
    outcome.evaluated += int(weights[~missing.to_numpy()].sum())
    outcome.unexpected += int(weights[frame[KEY].isin(keys).to_numpy()].sum())
    return keys


def _failing_rows(con: duckdb.DuckDBPyConnection, group: CheckGroup, keys: list[int]) -> pd.DataFrame:
    """The suite's rows carrying the combinations `keys` of the group, each with its combination's
    `KEY` (where each row is its own combination, the key is the row's)."""
    wanted = "(select unnest(?::bigint[]))"
    if not group.distinct:
        query = f"select *, rowid as {KEY} from {ROWS_TABLE} where rowid in {wanted} order by rowid"
        return _frame(con.execute(query, [keys]).fetch_arrow_table())
    if group.null_only:
        (column,) = group.columns
        on = f"(r.{quote(column)} is null) = (g.{quote(column)} is null)"
    else:
        on = " and ".join(f"r.{quote(c)} is not distinct from g.{quote(c)}" for c in group.columns)
    query = (
        f"select r.*, g.{KEY} from {ROWS_TABLE} r join (select {', '.join(quote(c) for c in group.columns)}, "
        f"{KEY} from {GROUP_TABLE} where {KEY} in {wanted}) g on {on} order by r.rowid"
    )
    return _frame(con.execute(query, [keys]).fetch_arrow_table())


def run_suite(
    runner: GxRunner,
    con: duckdb.DuckDBPyConnection,
    suite: Suite,
    chunk_rows: int = DEFAULT_CHUNK_ROWS,
) -> SuiteOutcome:
    """Validate a suite's whole frame: each group of checks on the distinct combinations of the
    columns it reads, chunk by chunk; totals weighted by rows; failing rows listed from the
    suite's rows."""
    started = time.perf_counter()
    outcomes = {check.check_id: CheckOutcome(check=check, suite=suite) for check in suite.checks}
    if not suite.checks:
        return SuiteOutcome(suite=suite, rows=0, checks=[])
    validation_results: list[Any] = []
    con.execute(f"create or replace temp table {ROWS_TABLE} as {projected_query(con, suite)}")
    try:
        rows = int(con.execute(f"select count(*) from {ROWS_TABLE}").fetchone()[0])  # type: ignore[index]
        for group in runner.gx_suites(suite):
            unexpected: dict[str, list[int]] = {c.check_id: [] for c in group.checks}
            for number, frame in enumerate(_read_group(con, group, chunk_rows)):
                validation = runner.validate_group(group, frame)
                if number < len(validation_results):
                    validation_results[number].results.extend(validation.results)
                else:
                    validation.suite_name = suite.name
                    validation_results.append(validation)
                for result in validation.results:
                    check_id = result.expectation_config.meta["check_id"]
                    outcome = outcomes[check_id]
                    message = raised_message(result.exception_info)
                    if message is not None:
                        raise CheckError(f"{suite.name}: check {check_id} could not run: {message}")
                    unexpected[check_id] += _weigh(outcome, frame, result.result or {}, group.ignore_row_if[check_id])
            every_key = sorted({key for keys in unexpected.values() for key in keys})
            if every_key:  # one query for the group's failing rows, split by check
                failing = _failing_rows(con, group, every_key)
                for check_id, keys in unexpected.items():
                    if keys:
                        rows_of_check = failing[failing[KEY].isin(keys).to_numpy()].drop(columns=KEY)
                        outcomes[check_id].failures.append(rows_of_check.reset_index(drop=True))
    finally:
        con.execute(f"drop table if exists {GROUP_TABLE}")
        con.execute(f"drop table if exists {ROWS_TABLE}")
    return SuiteOutcome(
        suite=suite, rows=rows, checks=list(outcomes.values()), validation_results=validation_results,
        seconds=time.perf_counter() - started,
    )


# --- validating suites side by side ---------------------------------------------------------------

# Below this many rows in the checked tables, starting worker processes (each imports GX and
# opens the warehouse: several seconds) costs more than validating side by side saves.
PARALLEL_MIN_ROWS = 1_000_000


class WarehouseLocked(RuntimeError):
    """A worker could not open the warehouse read-only (this process or another holds it for
    writing); the suites are then validated in the stage's own process."""


_WORKER: dict[str, Any] = {}


@dataclass(frozen=True)
class Finishing:
    """What a suite's validating process also does once the suite is validated: render its Data
    Docs page and mask its failing records into `dq.failures` rows (side by side when suites are
    validated in worker processes; the raw failing rows then stay in the worker)."""

    run_id: str
    as_of: date


def _finished(outcome: SuiteOutcome, finishing: Finishing | None) -> SuiteOutcome:
    if finishing is None:
        return outcome
    from pipelines.quality.docs import render_suite
    from pipelines.quality.store import failure_rows

    outcome.rendered = render_suite(outcome, finishing.as_of)
    outcome.validation_results = []  # large to pass between processes; nothing else reads them
    for check in outcome.checks:
        check.failure_frame = failure_rows(finishing.run_id, finishing.as_of, check, None)
        check.failures = []
    return outcome


def _warm_worker() -> None:
    """A worker's start: import GX and build its context (seconds) before any suite arrives."""
    if "runner" not in _WORKER:
        _WORKER["runner"] = GxRunner()


def _validate_in_worker(
    warehouse: str,
    suite: Suite,
    chunk_rows: int,
    finishing: Finishing | None,
    threads: int,
    config: dict[str, str] | None = None,
) -> SuiteOutcome:
    """One suite in a worker process: the worker's own read-only connection (on `threads`
    DuckDB threads, with the worker's share of the memory limit, `config`, and a spill folder of
    its own, `worker_spill_folder`) and GX context."""
    _warm_worker()
    if "con" not in _WORKER:
        config = dict(config or {})
        if "temp_directory" in config:
            config["temp_directory"] = str(worker_spill_folder(Path(config["temp_directory"])))
        try:
            _WORKER["con"] = con = duckdb.connect(warehouse, read_only=True, config={**config, "threads": threads})
        except duckdb.Error as exc:
            raise WarehouseLocked(str(exc).splitlines()[0]) from None
        # closed before the process ends, so DuckDB removes its spill folder
        atexit.register(con.close)
    return _finished(run_suite(_WORKER["runner"], _WORKER["con"], suite, chunk_rows), finishing)


def worker_spill_folder(folder: Path) -> Path:
    """The spill folder of this worker process, beside the settings' one: DuckDB processes that
    spill into one folder overwrite each other's files (two of them sorting at once both crashed
    with a segmentation fault). DuckDB creates the folder when it first spills and removes it when
    the connection closes; its parent must exist."""
    folder.parent.mkdir(parents=True, exist_ok=True)
    return folder.with_name(f"{folder.name}.check-worker-{os.getpid()}")


def worker_config(config: dict[str, str], workers: int) -> dict[str, str]:
    """The DuckDB configuration of one of `workers` worker processes: the settings' memory limit is
    the stage's budget, shared out equally. Each process is a DuckDB instance of its own, with a
    buffer pool of its own: with the whole limit each, two workers held 9.4 and 8.4 GB at `city`."""
    if "memory_limit" not in config or workers <= 1:
        return dict(config)
    return {**config, "memory_limit": f"{memory_bytes(config['memory_limit']) // workers}B"}


@contextmanager
def worker_pool(workers: int) -> Iterator[ProcessPoolExecutor | None]:
    """`workers` worker processes (None for one), started at once: each imports GX while the
    caller plans its suites. They open the warehouse only with their first suite.
    """
    if workers <= 1:
        yield None
        return
    import multiprocessing

    # `spawn`: a forked child would inherit DuckDB's and GX's threads and locks mid-state
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=workers, mp_context=context, initializer=_warm_worker) as pool:
        for _ in range(workers):  # processes start on demand: one per pending task
            pool.submit(int)
        yield pool


def suite_sizes(con: duckdb.DuckDBPyConnection, suites: list[Suite]) -> list[int]:
    """Rows of the largest table each suite reads (DuckDB's estimate)."""
    sizes = {
        f"{schema}.{name}": int(size or 0)
        for schema, name, size in con.execute(
            "select schema_name, table_name, estimated_size from duckdb_tables()"
        ).fetchall()
    }
    return [max((sizes.get(t, 0) for t in (suite.table, *suite.requires)), default=0) for suite in suites]


def validate_suites(
    warehouse: str,
    suites: list[Suite],
    chunk_rows: int = DEFAULT_CHUNK_ROWS,
    workers: int = 1,
    sizes: list[int] | None = None,
    finishing: Finishing | None = None,
    pool: ProcessPoolExecutor | None = None,
    settings: Settings | None = None,
) -> list[SuiteOutcome]:
    """Validate every suite, in declared order of the outcomes; with `workers` > 1, suites are
    spread over that many processes, each reading the warehouse read-only (DuckDB allows many
    readers when no process writes; the check stages write only after validating).

    Every suite is independent and validated whole by one process, so the outcomes equal those
    of one process. When a worker cannot open the warehouse (an in-process run that holds it
    for writing, e.g. `dag.test()` of several stages), everything is validated here instead.
    With `finishing`, each suite is finished (Data Docs page, masked failing records) where it
    was validated. `pool` is a `worker_pool(workers)` already started, else one is started here.
    Every connection gets the DuckDB memory limit and spill folder of `settings` (the
    environment's settings without it).
    """
    if not suites:
        return []
    settings = settings or get_settings()
    config = settings.duckdb_config(Path(warehouse))
    if workers > 1 and len(suites) > 1:
        try:
            if pool is not None:
                return _validate_side_by_side(
                    pool, warehouse, suites, chunk_rows, workers, sizes, finishing, config
                )
            with worker_pool(min(workers, len(suites))) as started:
                assert started is not None
                return _validate_side_by_side(
                    started, warehouse, suites, chunk_rows, workers, sizes, finishing, config
                )
        except WarehouseLocked as exc:
            log.info("validating in the stage's process: %s", exc)
    from pipelines.warehouse import open_reader

    runner = GxRunner()
    outcomes: list[SuiteOutcome] = []
    with open_reader(warehouse, settings) as con:
        for suite in suites:
            outcomes.append(_finished(run_suite(runner, con, suite, chunk_rows), finishing))
            progress.advance("checks", len(outcomes), len(suites), "suites")
    return outcomes


def _validate_side_by_side(
    pool: ProcessPoolExecutor,
    warehouse: str,
    suites: list[Suite],
    chunk_rows: int,
    workers: int,
    sizes: list[int] | None,
    finishing: Finishing | None,
    config: dict[str, str] | None = None,
) -> list[SuiteOutcome]:
    """The suites spread over the pool's processes, largest first (so no large suite starts last
    while the other workers idle); outcomes in declared order."""
    order = sorted(range(len(suites)), key=lambda i: -(sizes[i] if sizes else 0))
    # the cores shared out: DuckDB threads beyond them only cost switching (measured at county:
    # two workers of two threads each on two cores took 10% more CPU than of one thread each)
    threads = max(1, (os.cpu_count() or 1) // workers)
    config = worker_config(config or {}, workers)
    futures = {i: pool.submit(_validate_in_worker, warehouse, suites[i], chunk_rows, finishing, threads, config)
               for i in order}
    try:
        for done, _ in enumerate(as_completed(futures.values()), start=1):
            progress.advance("checks", done, len(suites), "suites")
        return [futures[i].result() for i in range(len(suites))]
    except BaseException:
        for future in futures.values():
            future.cancel()
        raise
