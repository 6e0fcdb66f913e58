"""`dq.system_dispositions`: append-only decisions on information systems (keep / retire / merge).

A decision names the system by its ledger code, says what is to be done, why (the note is
required: "kept" without a reason is not a review) and who decided. Rows are only ever added;
the latest decision for a system is the one the library shows (int_system_dispositions).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import duckdb

from pipelines.errors import GovdataError
from pipelines.settings import Settings
from pipelines.warehouse import connect, table_exists, utc_now

DISPOSITIONS = ("keep", "retire", "merge")
TABLE = "dq.system_dispositions"

_DDL = f"""
create table if not exists {TABLE} (
    disposition_id bigint not null,
    system_code varchar not null,
    disposition varchar not null,
    note varchar not null,
    decided_by varchar not null,
    decided_at timestamp not null
)
"""


@dataclass(frozen=True)
class Disposition:
    """One recorded decision."""

    disposition_id: int
    system_code: str
    disposition: str
    note: str
    decided_by: str
    decided_at: datetime


def ensure_dispositions_table(con: duckdb.DuckDBPyConnection) -> None:
    """Create the table when missing (the build reads it before anyone has decided anything)."""
    con.execute("create schema if not exists dq")
    con.execute(_DDL)


def record_disposition(
    settings: Settings, system_code: str, disposition: str, note: str, decided_by: str
) -> Disposition:
    """Append one decision; the system must be on the built ledger (lib_systems.information_system).

    Raises GovdataError naming what is wrong (unknown disposition, empty note or name, a system
    code the ledger does not hold, no library built yet).
    """
    code = system_code.strip()
    kind = disposition.strip().lower()
    if kind not in DISPOSITIONS:
        raise GovdataError(f"disposition {disposition!r}: use one of {', '.join(DISPOSITIONS)}")
    if not note.strip():
        raise GovdataError(f"disposition of {code}: --note must say why (a decision without a reason is not a review)")
    if not decided_by.strip():
        raise GovdataError(f"disposition of {code}: --by must name who decided")
    with connect(settings) as con:
        if not table_exists(con, "lib_systems.information_system"):
            raise GovdataError("no information systems library yet: run `govdata build` first")
        known = con.execute(
            "select count(*) from lib_systems.information_system where system_code = ?", [code]
        ).fetchone()
        if not known or not known[0]:
            raise GovdataError(f"system {code!r} is not on the ledger (lib_systems.information_system)")
        ensure_dispositions_table(con)
        next_id = con.execute(f"select coalesce(max(disposition_id), 0) + 1 from {TABLE}").fetchone()[0]  # type: ignore[index]
        row = Disposition(next_id, code, kind, note.strip(), decided_by.strip(), utc_now())
        con.execute(
            f"insert into {TABLE} values (?, ?, ?, ?, ?, ?)",
            [row.disposition_id, row.system_code, row.disposition, row.note, row.decided_by, row.decided_at],
        )
    return row
