"""One tiny county built once for the library tests: two deliveries of the household register.

The fixture generates a tiny county, runs ingest -> stage -> resolve -> build (the same stage
functions the CLI and the DAGs call), keeps a copy of that warehouse, then delivers one more
household-register snapshot in which one resident moved to another standard address and runs
the chain again. Tests read the warehouse of either delivery and the generator's truth (tests
may; pipeline code never does).
"""

from __future__ import annotations

import csv
import io
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pytest

from pipelines.settings import Settings, load_settings
from _env import exported, govdata_env

REGISTER_DEPARTMENT = "gongan"
REGISTER_PREFIX = "户籍人口_"
REGISTER_ENCODING = "gb18030"


@dataclass(frozen=True)
class Mover:
    """The resident the second delivery moves: who, from where, to where, from when."""

    id_number: str
    old_address: str
    new_address: str
    delivery_date: date


@dataclass(frozen=True)
class LibraryRun:
    settings: Settings
    first_warehouse: Path  # copy of the warehouse after the first build
    second_warehouse: Path  # copy of the warehouse after the second delivery
    first_counts: dict[str, int]  # run_build's result after the first build
    second_counts: dict[str, int]  # ... after the second delivery
    mover: Mover

    @property
    def truth(self) -> Path:
        return self.settings.truth_path

    def connect(self, first: bool = False) -> duckdb.DuckDBPyConnection:
        path = self.first_warehouse if first else self.second_warehouse
        return duckdb.connect(str(path), read_only=True)


def _run_chain(settings: Settings) -> dict[str, int]:
    from pipelines.build import run_build
    from pipelines.ingest import ingest
    from pipelines.resolve.stage import run_resolve
    from pipelines.stage import run_stage

    ingest(settings)
    run_stage(settings)
    run_resolve(settings)
    return run_build(settings)


def _snapshot(settings: Settings, copy: Path) -> Path:
    """A copy of the warehouse as it is now (dbt's in-process connection may still hold it)."""
    with duckdb.connect(str(settings.warehouse_path)) as con:
        con.execute("checkpoint")  # the copy must not miss what is still in the WAL
    shutil.copyfile(settings.warehouse_path, copy)
    return copy


def _latest_register(landing: Path) -> Path:
    files = sorted((landing / REGISTER_DEPARTMENT).glob(f"*/{REGISTER_PREFIX}*.csv"))
    assert files, "the generator delivered no household register"
    return files[-1]


def deliver_move(settings: Settings, standard_addresses: dict[str, str]) -> Mover:
    """Copy the latest register snapshot as a new delivery in which one registered resident, whose
    address is a standard address, lives at another standard address of another township.

    Args:
        standard_addresses: standard address -> its township code (lib_spatial.standard_address).
    """
    latest = _latest_register(settings.landing_path)
    text = latest.read_bytes().decode(REGISTER_ENCODING)
    rows = list(csv.reader(io.StringIO(text, newline="")))
    header, body = rows[0], rows[1:]
    col = {name: i for i, name in enumerate(header)}
    address_col, status_col, id_col = col["户籍地址"], col["户籍状态"], col["公民身份号码"]
    movers = [
        r for r in body
        if len(r) == len(header) and r[status_col] == "正常" and r[address_col] in standard_addresses
        and len(r[id_col]) == 18
    ]
    assert movers, "no registered resident lives at a standard address"
    mover = movers[len(movers) // 2]
    township = standard_addresses[mover[address_col]]
    new_address = min(a for a, code in standard_addresses.items() if code != township)
    old_address = mover[address_col]
    mover[address_col] = new_address
    delivered = date.fromisoformat(latest.parent.name) + timedelta(days=14)
    assert delivered <= settings.as_of, "the second delivery must not be after the as-of date"
    folder = settings.landing_path / REGISTER_DEPARTMENT / delivered.isoformat()
    folder.mkdir(parents=True)
    out = io.StringIO(newline="")
    csv.writer(out, lineterminator="\r\n" if "\r\n" in text else "\n").writerows([header, *body])
    (folder / f"{REGISTER_PREFIX}{delivered:%Y%m%d}.csv").write_bytes(out.getvalue().encode(REGISTER_ENCODING))
    return Mover(id_number=mover[id_col], old_address=old_address, new_address=new_address,
                 delivery_date=delivered)


@pytest.fixture(scope="package")
def library_run(tmp_path_factory: pytest.TempPathFactory,
                generated_county: Callable[[Settings], None]) -> Iterator[LibraryRun]:
    base = tmp_path_factory.mktemp("libraries")
    with exported(govdata_env(base)):
        settings = load_settings()
        generated_county(settings)  # what generate(settings) writes
        first_counts = _run_chain(settings)
        first = _snapshot(settings, base / "first.duckdb")
        with duckdb.connect(str(first), read_only=True) as con:
            standard = dict(con.execute(
                "select standard_address, township_code from lib_spatial.standard_address").fetchall())
        mover = deliver_move(settings, standard)
        second_counts = _run_chain(settings)
        second = _snapshot(settings, base / "second.duckdb")
        yield LibraryRun(settings=settings, first_warehouse=first, second_warehouse=second,
                         first_counts=first_counts, second_counts=second_counts, mover=mover)
