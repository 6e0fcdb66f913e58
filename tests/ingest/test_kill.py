"""Kill the ingest with SIGKILL at chosen moments (a real subprocess), run it again: the warehouse
ends identical to an uninterrupted run (apart from the ledger's wall-clock columns)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from ingest import crafted
from ingest.crafted import person

TESTS = Path(__file__).resolve().parents[1]

CHILD = """
import json, sys
sys.path.insert(0, {tests!r})
from ingest import crafted
import pipelines.contracts as registry
registry.all_contracts = lambda: crafted.CONTRACTS
from pipelines.ingest import _stage
from pipelines.settings import load_settings

load = _stage._load
def announced(con, record, *args, **kwargs):
    print(json.dumps({{"loading": record.delivered.rel}}), flush=True)
    return load(con, record, *args, **kwargs)
_stage._load = announced
_stage.ingest(load_settings())
print(json.dumps({{"done": True}}), flush=True)
"""


def _landing(landing: Path) -> list[str]:
    """A delivery with a big file (so a kill lands inside its transaction), a correction that
    replaces it, bad rows, a rejected file, a duplicate and several formats."""
    big = crafted.csv_text([person(i) for i in range(40_000)])
    crafted.deliver(landing, "人员名单_part1.csv", crafted.csv_text([person(i) for i in range(50)])
                    + "short,row\n")
    crafted.deliver(landing, "人员名单_part2.csv", big)
    crafted.deliver(landing, "人员名单_part2_更正.csv", big.replace("张", "章"))
    crafted.deliver(landing, "人员名单_part3.csv", crafted.csv_text([person(1)]).encode("gb18030"))
    crafted.deliver(landing, "人员名单_part1.csv", crafted.csv_text([person(i) for i in range(50)])
                    + "short,row\n", day="2026-10-02")
    crafted.deliver(landing, "事件.json", json.dumps([person(i) for i in range(30)], ensure_ascii=False))
    crafted.deliver(landing, "日志.jsonl", "{bad\n" + json.dumps(person(3), ensure_ascii=False) + "\n")
    crafted.deliver(landing, "花名册.xlsx", b"PK\x03\x04 truncated")
    return ["人员名单_part2.csv", "人员名单_part2_更正.csv", "事件.json"]


def _state(warehouse: Path) -> dict[str, list[str]]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        tables = [t for (t,) in con.execute(
            "select table_name from information_schema.tables where table_schema = 'raw'"
        ).fetchall()]
        state = {}
        for table in tables:
            columns = [c for (c,) in con.execute(
                "select column_name from information_schema.columns where table_schema = 'raw' "
                "and table_name = ? order by ordinal_position", [table]).fetchall()
                if not c.endswith("_at")]
            select = ", ".join(f'"{c}"' for c in columns)
            rows = con.execute(f'select {select} from raw."{table}"').fetchall()
            state[table] = sorted(map(repr, rows))
    return state


def _env(base: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["GOVDATA_WAREHOUSE"] = str(base / "warehouse.duckdb")
    env["GOVDATA_LANDING"] = str(base / "landing")
    return env


def _run(base: Path, kill_after: str | None = None, delay: float = 0.0) -> int:
    """Run the ingest in a subprocess; SIGKILL it `delay` seconds after it starts loading
    `kill_after`. Returns the exit code (-9 when killed)."""
    script = CHILD.format(tests=str(TESTS))
    child = subprocess.Popen([sys.executable, "-c", script], env=_env(base),
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert child.stdout is not None
    for line in child.stdout:
        event = json.loads(line)
        if kill_after and event.get("loading", "").endswith("/" + kill_after):
            time.sleep(delay)
            child.send_signal(signal.SIGKILL)
            break
    child.wait(timeout=120)
    if child.returncode not in (0, -signal.SIGKILL):
        raise AssertionError(child.stderr.read() if child.stderr else "")
    return child.returncode


def _rerun(base: Path) -> None:
    """The run after the kill, in this process (same code, without another interpreter start)."""
    from pipelines.ingest import ingest
    from pipelines.settings import load_settings

    with pytest.MonkeyPatch.context() as patch:
        crafted.install(patch)
        ingest(load_settings(warehouse=base / "warehouse.duckdb", landing=base / "landing"))


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[str], dict[str, list[str]]]:
    base = tmp_path_factory.mktemp("reference")
    targets = _landing(base / "landing")
    _rerun(base)
    return targets, _state(base / "warehouse.duckdb")


@pytest.mark.parametrize(("target", "delay"), [(0, 0.1), (1, 0.05), (2, 0.0)])
def test_sigkill_then_rerun_equals_an_uninterrupted_run(
    tmp_path: Path, reference: tuple[list[str], dict[str, list[str]]], target: int, delay: float
) -> None:
    targets, expected = reference
    _landing(tmp_path / "landing")
    # GIVEN a run killed while loading a file (the big one, its replacement, a JSON file)
    code = _run(tmp_path, kill_after=targets[target], delay=delay)
    assert code == -signal.SIGKILL, "the child finished before it could be killed"
    # WHEN the ingest runs again to the end
    _rerun(tmp_path)
    # THEN the warehouse is what an uninterrupted run gives
    assert _state(tmp_path / "warehouse.duckdb") == expected
    crafted.check_ledger_invariants(tmp_path / "warehouse.duckdb")


def test_sigkill_inside_a_shared_transaction_with_row_groups_already_written(tmp_path: Path) -> None:
    """Two files of one source, each more than a DuckDB row group (122,880 rows): when the
    second starts loading, the first is wholly inserted and its row groups compressed in the
    open transaction that both share. A kill then must leave neither."""
    def landing(base: Path) -> None:
        for part in (1, 2):
            rows = [person(part * 1_000_000 + i) for i in range(130_000)]
            crafted.deliver(base / "landing", f"人员名单_part{part}.csv", crafted.csv_text(rows))

    reference = tmp_path / "reference"
    landing(reference)
    _rerun(reference)
    expected = _state(reference / "warehouse.duckdb")
    killed = tmp_path / "killed"
    landing(killed)
    # GIVEN a run killed as the second file starts loading
    assert _run(killed, kill_after="人员名单_part2.csv") == -signal.SIGKILL
    # THEN the warehouse holds nothing of either file (the transaction they shared is gone)
    with duckdb.connect(str(killed / "warehouse.duckdb"), read_only=True) as con:
        assert con.execute('select count(*) from raw."civil__people"').fetchone() == (0,)
        assert con.execute("select count(*) from raw.ingest_ledger").fetchone() == (0,)
    # AND the run after it gives what an uninterrupted run gives
    _rerun(killed)
    assert _state(killed / "warehouse.duckdb") == expected
    crafted.check_ledger_invariants(killed / "warehouse.duckdb")
