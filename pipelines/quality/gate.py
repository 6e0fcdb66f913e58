"""The publication gate of each library (`dq.gate`).

A library's gate fails when any error-severity check fails among: the checks of its own tables in
the latest library check, and the latest staging checks of every source it is built from (its
dbt lineage). So a redelivered file twice as bad as the sample closes the gate of every library it
feeds, and the corrected file opens it again on the next check. `govdata publish` asks
`gate_status` and refuses a closed library; the gate itself never changes data.
"""

from __future__ import annotations

from datetime import date

import duckdb

from pipelines.quality.declarations import library_schema
from pipelines.quality.suites_libraries import declared_libraries
from pipelines.quality.store import ensure_tables, gate_row, now
from pipelines.settings import Settings, get_settings
from pipelines.warehouse import table_exists


def _latest_staging_failures(con: duckdb.DuckDBPyConnection, sources: set[str]) -> list[str]:
    """Failed error checks of the latest staging run of each of these sources."""
    if not sources or not table_exists(con, "dq.results"):
        return []
    rows = con.execute(
        """
        with latest as (
            select source, max(evaluated_at) as evaluated_at
            from dq.results
            where stage = 'staging' and scope <> 'history' and source in (select unnest(?))
            group by source
        )
        select r.check_id
        from dq.results r join latest using (source, evaluated_at)
        where r.stage = 'staging' and r.closes_gate
        """,
        [sorted(sources)],
    ).fetchall()
    return [row[0] for row in rows]


def _run_failures(con: duckdb.DuckDBPyConnection, run_id: str, library: str) -> list[str]:
    rows = con.execute(
        """
        select check_id from dq.results
        where run_id = ? and library = ? and closes_gate
        """,
        [run_id, library],
    ).fetchall()
    return [row[0] for row in rows]


def library_sources(settings: Settings, library: str) -> set[str]:
    """Sources whose staging models feed any table of the library (dbt `ref` lineage)."""
    from pipelines.quality.dbt_models import library_models, read_models, upstream_sources

    models = read_models(settings)
    sources: set[str] = set()
    for name, model in library_models(settings).items():
        if model.schema == library:
            sources |= upstream_sources(models, name)
    return sources


def write_gates(
    con: duckdb.DuckDBPyConnection, settings: Settings, run_id: str, as_of: date
) -> dict[str, bool]:
    """Decide and append every declared library's gate for a library check run."""
    ensure_tables(con)
    evaluated_at = now()
    gates: dict[str, bool] = {}
    for library in sorted(declared_libraries(settings)):
        failing = _run_failures(con, run_id, library)
        failing += _latest_staging_failures(con, library_sources(settings, library))
        row = gate_row(run_id, as_of, library, failing, evaluated_at)
        con.execute(
            "insert into dq.gate values (?, ?, ?, ?, ?, ?, ?)",
            [row[k] for k in ("run_id", "as_of", "library", "passed", "status", "failing_checks", "evaluated_at")],
        )
        gates[library] = bool(row["passed"])
    return gates


def gate_status(con: duckdb.DuckDBPyConnection, library: str, settings: Settings | None = None) -> bool:
    """True when the library may be published (its gate is open).

    Open when no check is declared for the library; closed when checks are declared but have
    never run; otherwise the latest `dq.gate` decision. `library` may be given with or without
    its `lib_` prefix.
    """
    settings = settings or get_settings()
    name = library_schema(library)
    if name not in declared_libraries(settings):
        return True
    if not table_exists(con, "dq.gate"):
        return False
    row = con.execute(
        "select passed from dq.gate where library = ? order by evaluated_at desc limit 1", [name]
    ).fetchone()
    return bool(row[0]) if row else False
