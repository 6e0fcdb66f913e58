"""Run suites with Great Expectations on dataframes read from DuckDB, chunk by chunk.

One GX context per check run (GX is slow to start). Each suite's frame is streamed from DuckDB
into pandas in chunks; whatever needs the whole table (a key's occurrence number for uniqueness,
life events, totals) is computed by the suite's query, so every check is row by row and chunk
boundaries never change a result. Counts are summed over chunks and success is recomputed with
the check's threshold on the totals, the way GX computes it on one batch: success when the share
of evaluated (non-missing) elements that pass reaches the threshold.
"""

from __future__ import annotations

import logging
import math
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import duckdb
import pandas as pd
import pyarrow as pa

from pipelines.errors import GovdataError
from pipelines.quality.declarations import COUNT_MISSING, DIMENSION_EN, Check, GatePolicy, Suite

log = logging.getLogger(__name__)

DEFAULT_CHUNK_ROWS = 250_000
DATASOURCE = "govdata_frames"
# GX lists unexpected rows by this integer column (hashing and matching long text ids for every
# batch cost more than the checks); failures map it back to the suite's index column.
ROW_NUMBER = "__row"


@dataclass
class CheckOutcome:
    """The totals of one check over every chunk of its suite, and its failing rows."""

    check: Check
    suite: Suite
    elements: int = 0  # rows of the frame the check looked at (GX's element_count)
    evaluated: int = 0  # elements evaluated: non-missing values (all rows for a not-null check)
    unexpected: int = 0
    failures: list[pd.DataFrame] = field(default_factory=list)
    gx_results: list[Any] = field(default_factory=list)

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


@dataclass
class SuiteOutcome:
    suite: Suite
    rows: int
    checks: list[CheckOutcome]
    validation_results: list[Any] = field(default_factory=list)
    seconds: float = 0.0  # wall-clock time the suite took (reading and validating)


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
        if name not in self._batch_definitions:
            asset = self.datasource.add_dataframe_asset(name)
            self._batch_definitions[name] = asset.add_batch_definition_whole_dataframe("whole")
        return self._batch_definitions[name]

    def gx_suites(self, suite: Suite) -> list[tuple[Any, tuple[str, ...]]]:
        """The GX suites of a declared suite, one per set of columns its checks read. GX copies
        the batch's frame (dropping rows with missing values) for every metric it computes, so a
        batch of just the columns a group of checks reads is cheapest (measured at county scale:
        15% less than one batch of every column the suite reads). Each expectation carries its
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
            for check in checks:
                impl = get_expectation_impl(check.rule.expectation)
                meta = {**check.rule.meta(), "check_id": check.check_id, "table": suite.table}
                gx_suite.add_expectation(
                    impl(**check.kwargs, meta=meta, description=describe(check), notes=notes(check))
                )
            built.append((self.context.suites.add(gx_suite), columns))
        self._suites[suite.name] = built
        return built

    def validate_frame(self, suite: Suite, frame: pd.DataFrame) -> Any:
        """Validate one chunk, one batch per group of checks reading the same columns; every
        unexpected row is listed by the suite's index column.

        Returns one validation result holding every check of the suite (the groups' results
        joined, named after the suite), as Data Docs render it.
        """
        result_format = {
            "result_format": "COMPLETE",
            "unexpected_index_column_names": [ROW_NUMBER],
            "return_unexpected_index_query": False,
        }
        combined = None
        for gx_suite, columns in self.gx_suites(suite):
            narrow = frame[[ROW_NUMBER, *columns]]
            batch = self._batch_definition(gx_suite.name).get_batch(batch_parameters={"dataframe": narrow})
            validation = batch.validate(gx_suite, result_format=result_format)
            if combined is None:
                combined = validation
                combined.suite_name = suite.name
            else:
                combined.results.extend(validation.results)
        return combined


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
    listed = ", ".join('"' + name.replace('"', '""') + '"' for name in keep)
    return f"select {listed} from ({suite.query}) as checked"


def read_chunks(con: duckdb.DuckDBPyConnection, suite: Suite, chunk_rows: int) -> Iterator[pd.DataFrame]:
    """The suite's frame, streamed from one execution of its query in chunks of `chunk_rows`.

    Every check is row by row once the query has computed what needs the whole table (a key's
    occurrence number, life events, totals), so chunk boundaries never change a result. Text
    columns come as Arrow-backed pandas strings: GX's pandas metrics (copies, null tests, regular
    expressions, hashing) run several times faster on them than on Python objects.
    """
    reader = con.execute(projected_query(con, suite)).fetch_record_batch(chunk_rows)
    pending: list[pa.RecordBatch] = []
    size = 0
    for batch in reader:
        pending.append(batch)
        size += batch.num_rows
        if size >= chunk_rows:
            yield _frame(pa.Table.from_batches(pending))
            pending, size = [], 0
    if pending or size == 0:
        yield _frame(pa.Table.from_batches(pending, schema=reader.schema))


_ARROW_STRINGS = {pa.string(): pd.StringDtype("pyarrow"), pa.large_string(): pd.StringDtype("pyarrow")}


def _frame(table: pa.Table) -> pd.DataFrame:
    frame = table.to_pandas(types_mapper=_ARROW_STRINGS.get)
    frame[ROW_NUMBER] = range(len(frame))
    return frame


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


def _evaluated(result: dict[str, Any], rule_expectation: str) -> int:
    """Elements a result evaluated: non-missing values (every row for a not-null check)."""
    count = int(result.get("element_count") or 0)
    if rule_expectation in COUNT_MISSING:
        return count
    return count - int(result.get("missing_count") or 0)


def _failing_rows(suite: Suite, check: Check, frame: pd.DataFrame, result: dict[str, Any]) -> pd.DataFrame:
    """The chunk's rows a result lists as unexpected (by the suite's index column)."""
    listed = result.get("unexpected_index_list") or []
    numbers = [item[ROW_NUMBER] if isinstance(item, dict) else item for item in listed]
    if not numbers:
        return frame.iloc[0:0]
    return frame[frame[ROW_NUMBER].isin(numbers)]


def run_suite(
    runner: GxRunner,
    con: duckdb.DuckDBPyConnection,
    suite: Suite,
    chunk_rows: int = DEFAULT_CHUNK_ROWS,
) -> SuiteOutcome:
    """Validate a suite's whole frame, chunk by chunk, and total each check."""
    started = time.perf_counter()
    rows = 0
    outcomes = {check.check_id: CheckOutcome(check=check, suite=suite) for check in suite.checks}
    validation_results: list[Any] = []
    if not suite.checks:
        return SuiteOutcome(suite=suite, rows=rows, checks=[])
    for frame in read_chunks(con, suite, chunk_rows):
        rows += len(frame)
        if frame.empty:
            continue
        validation = runner.validate_frame(suite, frame)
        validation_results.append(validation)
        for result in validation.results:
            config = result.expectation_config
            outcome = outcomes[config.meta["check_id"]]
            message = raised_message(result.exception_info)
            if message is not None:
                raise CheckError(f"{suite.name}: check {outcome.check.check_id} could not run: {message}")
            details = result.result or {}
            outcome.elements += int(details.get("element_count") or 0)
            outcome.evaluated += _evaluated(details, config.type)
            outcome.unexpected += int(details.get("unexpected_count") or 0)
            failing = _failing_rows(suite, outcome.check, frame, details)
            if not failing.empty:
                outcome.failures.append(failing)
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


def _validate_in_worker(warehouse: str, suite: Suite, chunk_rows: int) -> SuiteOutcome:
    """One suite in a worker process: the worker's own read-only connection and GX context."""
    if "con" not in _WORKER:
        try:
            _WORKER["con"] = duckdb.connect(warehouse, read_only=True)
        except duckdb.Error as exc:
            raise WarehouseLocked(str(exc).splitlines()[0]) from None
        _WORKER["runner"] = GxRunner()
    return run_suite(_WORKER["runner"], _WORKER["con"], suite, chunk_rows)


def estimated_rows(con: duckdb.DuckDBPyConnection, suites: list[Suite]) -> int:
    """Rows of the tables the suites check (DuckDB's estimate, counted once per suite)."""
    sizes = {
        f"{schema}.{name}": int(size or 0)
        for schema, name, size in con.execute(
            "select schema_name, table_name, estimated_size from duckdb_tables()"
        ).fetchall()
    }
    return sum(max((sizes.get(t, 0) for t in (suite.table, *suite.requires)), default=0) for suite in suites)


def validate_suites(
    warehouse: str, suites: list[Suite], chunk_rows: int = DEFAULT_CHUNK_ROWS, workers: int = 1
) -> list[SuiteOutcome]:
    """Validate every suite, in declared order of the outcomes; with `workers` > 1, suites are
    spread over that many processes, each reading the warehouse read-only (DuckDB allows many
    readers when no process writes; the check stages write only after validating).

    Every suite is independent and validated whole by one process, so the outcomes equal those
    of one process. When a worker cannot open the warehouse (an in-process run that holds it
    for writing, e.g. `dag.test()` of several stages), everything is validated here instead.
    """
    if not suites:
        return []
    if workers > 1 and len(suites) > 1:
        try:
            return _validate_side_by_side(warehouse, suites, chunk_rows, workers)
        except WarehouseLocked as exc:
            log.info("validating in the stage's process: %s", exc)
    from pipelines.warehouse import open_reader

    runner = GxRunner()
    with open_reader(warehouse) as con:
        return [run_suite(runner, con, suite, chunk_rows) for suite in suites]


def _validate_side_by_side(warehouse: str, suites: list[Suite], chunk_rows: int, workers: int) -> list[SuiteOutcome]:
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    # `spawn`: a forked child would inherit DuckDB's and GX's threads and locks mid-state
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=min(workers, len(suites)), mp_context=context) as pool:
        futures = [pool.submit(_validate_in_worker, warehouse, suite, chunk_rows) for suite in suites]
        try:
            return [future.result() for future in futures]
        except BaseException:
            for future in futures:
                future.cancel()
            raise
