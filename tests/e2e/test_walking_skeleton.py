"""End to end at `tiny` scale through Airflow's dag.test(): generated files -> ingest -> staging ->
checks -> resolution -> libraries -> publish -> report.

The test reads the truth it needs first, then moves `truth/` out of reach, so the pipeline
provably runs without it.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import duckdb
import polars as pl
import pytest

from pipelines.settings import Settings
from _env import exported, govdata_env

pytestmark = pytest.mark.e2e

# Append-only audit tables: they record wall-clock times and run ids by design.
AUDIT_TABLES = {
    "meta.runs",
    "raw.ingest_ledger",
    "meta.reconciliation",  # counts per run id
    "catalog.share_requests",  # decisions per run id
    "catalog.share_log",  # append-only, hash-chained
    "meta.stage_inputs",  # each stage's attempts with their input fingerprints (pipelines.unchanged)
    "catalog.open_releases",  # what each run released, per run id
}
AUDIT_SCHEMAS = {"dq"}


def _table_checksums(path: Path) -> dict[str, tuple[int, str]]:
    """(row count, order-independent content hash) of every non-audit table."""
    sums: dict[str, tuple[int, str]] = {}
    with duckdb.connect(str(path), read_only=True) as con:
        tables = con.execute(
            "select table_schema, table_name from information_schema.tables "
            "where table_type = 'BASE TABLE' order by 1, 2"
        ).fetchall()
        for schema, table in tables:
            name = f"{schema}.{table}"
            if name in AUDIT_TABLES or schema in AUDIT_SCHEMAS:
                continue
            columns = [
                c for (c,) in con.execute(
                    "select column_name from information_schema.columns "
                    "where table_schema = ? and table_name = ? order by ordinal_position",
                    [schema, table],
                ).fetchall()
                if not c.endswith("_at")  # wall-clock audit columns
            ]
            select = ", ".join(f'"{c}"' for c in columns)
            count, digest = con.execute(
                f"select count(*), coalesce(sum(hash(row({select}))) :: varchar, '') "
                f'from "{schema}"."{table}"'
            ).fetchone()  # type: ignore[misc]
            sums[name] = (count, digest)
    return sums


def _file_digests(folder: Path) -> dict[str, str]:
    """SHA-256 of every file under `folder` (the open data release)."""
    import hashlib

    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def pipeline_run(tmp_path_factory: pytest.TempPathFactory, generated_county: Callable[[Settings], None]) -> dict:
    """Generate a tiny county, read the truth, hide it, run everything twice through Airflow."""
    from pipelines.generator import write_share_samples
    from pipelines.orchestrate import run_all
    from pipelines.settings import load_settings

    base = tmp_path_factory.mktemp("e2e")
    with exported(govdata_env(base)):  # Airflow's home is the test session's (tests/conftest.py)
        settings: Settings = load_settings()
        generated_county(settings)  # what generate(settings) writes
        write_share_samples(settings)  # as `govdata generate` does
        truth = {
            name: pl.read_parquet(settings.truth_path / f"{name}.parquet")
            for name in ("person_records", "defects")
        }
        hidden = base / "truth_hidden"
        shutil.move(settings.truth_path, hidden)  # the pipeline must not need it
        shown: list[str] = []
        outcome = run_all(settings, progress=shown.append)
        first = _table_checksums(settings.warehouse_path)
        open_first = _file_digests(settings.open_path)
        # the second run does every stage again (so it shows they rerun identically) ...
        with exported({"GOVDATA_SKIP_UNCHANGED": "false"}):
            run_all(load_settings(), progress=lambda _: None)
        second = _table_checksums(settings.warehouse_path)
        open_second = _file_digests(settings.open_path)
        # ... the third, with nothing new delivered, skips what did not change (pipelines.unchanged)
        run_all(settings, progress=lambda _: None)
        third = _table_checksums(settings.warehouse_path)
        assert not settings.truth_path.exists()
        yield {"settings": settings, "truth": truth, "first": first, "second": second,
               "outcome": outcome, "shown": shown, "third": third,
               "open_first": open_first, "open_second": open_second}


def _current_register_file(settings: Settings) -> str:
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as con:
        return con.execute(
            "select distinct source_file from staging.stg_gongan__household_register where is_current"
        ).fetchall()


def test_person_count_matches_truth(pipeline_run: dict) -> None:
    """Golden persons holding a current household-register record = distinct true persons of
    that register, within 1%."""
    settings = pipeline_run["settings"]
    records = pipeline_run["truth"]["person_records"]
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as con:
        current_ids = {
            r for (r,) in con.execute(
                "select record_id from staging.int_person_records "
                "where source = 'gongan__household_register'"
            ).fetchall()
        }
        persons = con.execute(
            """
            select count(distinct person.person_id)
            from lib_population.person as person
            join er.person_xref as xref on xref.person_id = person.person_id
            where xref.source = 'gongan__household_register'
            """
        ).fetchone()[0]  # type: ignore[index]
    assert current_ids
    true_register = records.filter(pl.col("record_id").is_in(list(current_ids)))
    assert true_register.height == len(current_ids), "truth must cover every current register record"
    expected = true_register["person_id"].n_unique()
    assert abs(persons - expected) <= max(1, round(0.01 * expected)), (persons, expected)


def test_id_checksum_expectation_counts_the_planted_defects(pipeline_run: dict) -> None:
    """The GB 11643 checksum expectation on the current register flags exactly the ID defects
    the truth expects to be flagged (rows the ingest quarantines never reach staging)."""
    settings = pipeline_run["settings"]
    defects = pipeline_run["truth"]["defects"]
    current_files = [f for (f,) in _current_register_file(settings)]
    in_current = defects.filter(pl.col("file").is_in(current_files))
    quarantined = in_current.filter(pl.col("expected").is_in(["quarantined", "rejected"]))
    flagged = in_current.filter(
        (pl.col("expected") == "flagged")
        & pl.col("column").is_in(["公民身份号码", "身份证号码", "身份证号"])
    ).join(quarantined.select("file", "line"), on=["file", "line"], how="anti")
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as con:
        row = con.execute(
            """
            select unexpected_count from dq.results
            where suite = 'stg_gongan__household_register' and "column" = 'id_number'
              and expectation = 'expect_column_values_to_be_valid_id_number'
            order by evaluated_at desc limit 1
            """
        ).fetchone()
    assert row is not None, "the ID-number checksum expectation has no result"
    assert flagged.height > 0
    assert row[0] == flagged.select("file", "line").n_unique()


def test_second_run_leaves_every_non_audit_table_identical(pipeline_run: dict) -> None:
    first, second = pipeline_run["first"], pipeline_run["second"]
    assert first.keys() == second.keys()
    changed = [name for name in first if first[name] != second[name]]
    assert not changed, f"tables changed on rerun: {changed}"
    assert first["lib_population.person"][0] > 0


POPULATION_DATASET = "204007-00001"  # 主题信息资源/开放数据/人口, sequence 1


def test_open_data_and_report_are_written(pipeline_run: dict) -> None:
    settings = pipeline_run["settings"]
    folder = settings.open_path / POPULATION_DATASET
    assert {p.name for p in folder.iterdir()} >= {"data.csv", "data.parquet", "dictionary.csv", "metadata.json"}
    frame = pl.read_parquet(folder / "data.parquet")
    townships = frame.filter(~pl.col("is_total"))
    assert set(townships["township_code"]) == {t.code for t in settings.county.townships}
    assert townships["population"].sum() > 0
    # an aggregate: no personal columns at all
    assert not {"name", "id_number", "phone", "address"} & set(frame.columns)
    assert (folder / "data.csv").read_bytes().startswith("\ufeff乡镇（街道）代码,".encode())
    assert (settings.open_path / "开放清单.xlsx").exists() and (settings.open_path / "catalog.json").exists()
    # the auditors' report of each chain run, `latest` pointing at the second one
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as con:
        chains = [r for (r,) in con.execute(
            "select chain_run_id from meta.runs where stage = 'report' group by 1 order by min(started_at)"
        ).fetchall()]
    assert len(chains) == 3
    for chain in chains:
        folder = settings.reports_path / chain
        assert {p.name for p in folder.iterdir()} >= {"index.html", "report.json", "findings.xlsx"}
    latest = settings.reports_path / "latest"
    assert latest.is_symlink() and latest.resolve() == (settings.reports_path / chains[-1]).resolve()
    page = (latest / "index.html").read_text(encoding="utf-8")
    assert "核对 Reconciliation" in page and chains[-1] in page


def test_the_open_data_release_is_byte_identical_on_rerun_and_recorded(pipeline_run: dict) -> None:
    settings = pipeline_run["settings"]
    assert pipeline_run["open_first"] == pipeline_run["open_second"]
    released = {ident for ident in pipeline_run["open_first"] if ident.endswith("/metadata.json")}
    assert len(released) >= 10  # every open dataset of the plan's fields
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as con:
        runs = con.execute("select run_id, count(*) filter (where action = 'released') from catalog.open_releases "
                           "group by 1 order by 1").fetchall()
    # three chains (the third skips the unchanged stages but publishes again), each released all
    assert len(runs) == 3 and {n for _, n in runs} == {len(released)}


def test_open_geojson_is_valid_and_inside_the_county(pipeline_run: dict) -> None:
    """The township boundaries and the village points: RFC 7946 FeatureCollections in WGS 84,
    coordinates of at most 6 decimals, every village inside the townships' extent."""
    import json

    settings = pipeline_run["settings"]
    shapes = [json.loads(p.read_text("utf-8")) for p in sorted(settings.open_path.glob("*/data.geojson"))]
    assert len(shapes) >= 2

    def points(geometry: dict) -> list[list[float]]:
        coords, out = geometry["coordinates"], []
        stack = [coords]
        while stack:
            item = stack.pop()
            if item and isinstance(item[0], (int, float)):
                out.append(item)
            else:
                stack.extend(item)
        return out

    kinds, extent = {}, None
    for shape in shapes:
        assert shape["type"] == "FeatureCollection" and shape["features"]
        for feature in shape["features"]:
            assert feature["type"] == "Feature" and isinstance(feature["properties"], dict)
            if feature["geometry"] is None:
                continue
            kinds.setdefault(feature["geometry"]["type"], []).extend(points(feature["geometry"]))
    for lon, lat in (p for ps in kinds.values() for p in ps):
        assert -180 <= lon <= 180 and -90 <= lat <= 90
        assert round(lon, 6) == lon and round(lat, 6) == lat
    polygon = kinds.get("Polygon", []) + kinds.get("MultiPolygon", [])
    assert polygon and kinds.get("Point")
    extent = (min(p[0] for p in polygon), max(p[0] for p in polygon), min(p[1] for p in polygon), max(p[1] for p in polygon))
    outside = [p for p in kinds["Point"] if not (extent[0] <= p[0] <= extent[1] and extent[2] <= p[1] <= extent[3])]
    assert not outside, outside[:5]


def test_status_shows_every_stage(pipeline_run: dict) -> None:
    from pipelines.status import stage_status

    stages = {row["stage"] for row in stage_status(pipeline_run["settings"])}
    assert {"ingest", "stage", "check_staging", "resolve", "build", "check_libraries", "findings", "publish", "report"} <= stages


def test_every_stage_of_a_run_names_the_chain_run_id(pipeline_run: dict) -> None:
    """`govdata run` creates one id per chain: every stage row of a chain carries it (a skipped
    stage's too), and the three chains of the fixture have different ids."""
    settings = pipeline_run["settings"]
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as con:
        chains = con.execute(
            "select chain_run_id, list(distinct stage order by stage) from meta.runs "
            "group by chain_run_id order by min(started_at)"
        ).fetchall()
    assert len(chains) == 3, chains
    for _, stages in chains:
        assert {"ingest", "stage", "resolve", "build", "check_libraries", "findings", "publish", "report", "run"} <= set(stages)


def test_the_run_shows_each_stage_with_its_time_and_progress_and_keeps_a_log(pipeline_run: dict) -> None:
    shown, outcome = pipeline_run["shown"], pipeline_run["outcome"]
    for dag_id in ("govdata_ingest", "govdata_build", "govdata_report"):
        assert any(line.startswith(f"{dag_id} success in ") and line.endswith(" s") for line in shown), dag_id
    # progress inside the long stages: files ingested, dbt nodes built, suites checked (the last
    # step of each is always shown)
    assert any(line.strip().startswith("ingest ") and " files" in line for line in shown)
    assert any("dbt build: " in line and line.strip().endswith(" nodes") for line in shown)
    assert any(line.strip().startswith("checks: ") and line.endswith(" suites") for line in shown)
    log = Path(outcome["log"])
    assert log.parent == pipeline_run["settings"].logs_path and log.name == f"{outcome['run_id']}.log"
    text = log.read_text(encoding="utf-8")
    assert all(line in text for line in shown)


def test_lineage_follows_a_library_table_back_to_its_landing_files(pipeline_run: dict) -> None:
    """The OpenLineage events of the run (Airflow's tasks, dbt's models, the other stages) join
    up: from lib_population.person, upstream job by job, to the delivered files it came from."""
    from pipelines.lineage import read_events, table_dataset

    settings = pipeline_run["settings"]
    events = read_events(settings)
    assert any(e.get("job", {}).get("name", "").startswith("govdata_ingest.") for e in events), "Airflow task events"
    upstream: dict[tuple[str, str], set[tuple[str, str]]] = {}
    for event in events:
        inputs = {(d["namespace"], d["name"]) for d in event.get("inputs") or []}
        for out in event.get("outputs") or []:
            upstream.setdefault((out["namespace"], out["name"]), set()).update(inputs)
    start = table_dataset(settings, "lib_population.person")
    assert start in upstream, sorted(upstream)[:20]
    seen, todo = {start}, [start]
    while todo:
        for parent in upstream.get(todo.pop(), set()) - seen:
            seen.add(parent)
            todo.append(parent)
    files = {name for namespace, name in seen if namespace == "file"}
    landing = str(settings.landing_path.resolve())
    assert any(f.startswith(f"{landing}/gongan/") for f in files), sorted(seen)[:30]
    assert table_dataset(settings, "raw.gongan__household_register") in seen
    # and forward to what was published
    open_csv = str((settings.open_path / POPULATION_DATASET / "data.csv").resolve())
    assert start in upstream.get(("file", open_csv), set())


SKIPPABLE = ("stage", "check_staging", "resolve", "build", "check_libraries")


def test_a_rerun_with_nothing_new_skips_the_unchanged_stages_and_changes_nothing(pipeline_run: dict) -> None:
    """The third chain (no new delivery): standardising, resolving, building and checking are
    skipped (meta.runs says so and names the run whose outputs stand), no check result is
    added, every table is identical, and the report of that chain still shows the gates and
    checks in force. (Each skip needs the fingerprint a stage recorded after its work in the
    first chain to be the one the third computes: nothing but inputs, settings and code may
    enter it, not, e.g., when a process rewrote the dbt files generated from the contracts.)"""
    settings = pipeline_run["settings"]
    assert pipeline_run["third"] == pipeline_run["second"]
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as con:
        chains = [c for (c,) in con.execute(
            "select chain_run_id from meta.runs where stage = 'report' group by 1 order by min(started_at)"
        ).fetchall()]
        last = dict(con.execute(
            "select stage, outcome from meta.runs where chain_run_id = ?", [chains[-1]]
        ).fetchall())
        messages = [m for (m,) in con.execute(
            "select message from meta.runs where chain_run_id = ? and outcome = 'skipped'", [chains[-1]]
        ).fetchall()]
        checked = con.execute("select count(distinct run_id) from dq.results").fetchone()[0]  # type: ignore[index]
    assert {stage: last[stage] for stage in SKIPPABLE} == dict.fromkeys(SKIPPABLE, "skipped")
    assert len(messages) == len(SKIPPABLE)
    assert all(m.startswith("skipped: inputs, settings and code unchanged since run ") for m in messages)
    assert {last[s] for s in ("ingest", "findings", "publish", "report")} == {"success"}
    assert checked == 4  # two check stages in each of the first two chains, none in the third
    report = (settings.reports_path / chains[-1] / "report.json").read_text(encoding="utf-8")
    assert '"lib_population"' in report

