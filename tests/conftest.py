"""Shared fixtures: every test gets settings pointing at its own temporary folders, so no test
touches the project's data/ folder or another test's warehouse."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from pipelines.settings import Settings, load_settings
from _env import govdata_env

_AIRFLOW_HOME = pytest.StashKey[Path]()


@pytest.fixture
def tmp_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Settings]:
    """Settings whose every path is under tmp_path (also exported as GOVDATA_* variables, so
    code that calls get_settings() and subprocesses see the same)."""
    values = govdata_env(tmp_path)
    for key, value in values.items():
        monkeypatch.setenv(key, value)
    yield load_settings()


@pytest.fixture(scope="session")
def generated_county(tmp_path_factory: pytest.TempPathFactory) -> Callable[[Settings], None]:
    """`generated_county(settings)` writes what `generate(settings)` writes into the settings'
    landing and truth folders, copied from one generation per session (per worker under xdist)
    for each distinct set of non-path settings. Generation is deterministic (same settings and
    seed, byte-identical files: tests/generator/test_files.py), so the fixtures that run the
    pipeline on a tiny county (e2e, libraries, report, quality, operations) need not each spend
    a generation on the same files."""
    from pipelines.generator import generate

    paths = {name for name, field in Settings.model_fields.items() if field.annotation is Path}
    generated: dict[str, Path] = {}

    def copy_into(settings: Settings) -> None:
        key = settings.model_dump_json(exclude=paths)
        if key not in generated:
            base = tmp_path_factory.mktemp("generated-county")
            generate(settings.model_copy(update={"landing": base / "landing", "truth": base / "truth"}))
            generated[key] = base
        for name, target in (("landing", settings.landing_path), ("truth", settings.truth_path)):
            shutil.rmtree(target, ignore_errors=True)  # generate() replaces both folders too
            shutil.copytree(generated[key] / name, target)

    return copy_into


@pytest.fixture(scope="session")
def project_root() -> Path:
    return Path(__file__).resolve().parents[1]


def pytest_configure(config: pytest.Config) -> None:
    # Tests never talk to the project's real Airflow home. One home for the whole session:
    # Airflow binds its metadata database when it is first imported, so a test that pointed
    # AIRFLOW_HOME elsewhere later would talk to a database nobody migrated.
    home = Path(tempfile.mkdtemp(prefix="govdata-test-airflow-"))
    config.stash[_AIRFLOW_HOME] = home
    os.environ["AIRFLOW_HOME"] = str(home)
    os.environ.setdefault("AIRFLOW__CORE__LOAD_EXAMPLES", "False")
    if os.environ.get("PYTEST_XDIST_WORKER"):
        # `make test` runs the suite in parallel workers (pytest-xdist): each has its own Airflow
        # home (above) and its own dbt artefacts, so two workers' dbt runs never write the same
        # manifest. One worker alone keeps dbt's default (or the caller's GOVDATA_DBT_TARGET).
        os.environ["GOVDATA_DBT_TARGET"] = str(home / "dbt_target")


@pytest.hookimpl(tryfirst=True)  # before xdist's own hook reads the groups
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """In pytest-xdist's workers (`make test`: `-n 2 --dist loadgroup --no-loadscope-reorder`):

    - keep together what shares a fixture wider than a test, so that each such fixture (a tiny
      county run through the pipeline) is built in one worker only: the tests of a module
      (module fixtures), and the tests of a folder whose conftest has a session or package
      fixture they use (tests/libraries' `library_run`, tests/generator's `tiny_county`);
    - hand out first the groups that run the pipeline on a generated county (`generated_county`,
      or marked e2e): minutes each, they would otherwise be left for the end and leave the
      other worker idle.

    A run without workers keeps the collection as it is."""
    if not os.environ.get("PYTEST_XDIST_WORKER"):
        return
    shared_root = Path(__file__).parent  # its session fixtures are cheap: built in every worker
    groups: dict[str, bool] = {}  # group -> runs the pipeline (in order of first appearance)
    group_of: dict[str, str] = {}  # test -> group
    for item in items:
        group = item.nodeid.split("::", 1)[0]
        fixtureinfo = getattr(item, "_fixtureinfo", None)
        for defs in (fixtureinfo.name2fixturedefs.values() if fixtureinfo else ()):
            used = defs[-1]  # the definition this test gets (a module may override a folder's)
            folder = config.rootpath / used.baseid
            if used.scope in ("session", "package") and used.baseid and folder != shared_root \
                    and folder in (config.rootpath / group).parents:
                group = used.baseid
        item.add_marker(pytest.mark.xdist_group(group))
        group_of[item.nodeid] = group
        heavy = "generated_county" in item.fixturenames or item.get_closest_marker("e2e") is not None
        groups[group] = groups.get(group, False) or heavy
    first = [g for g, heavy in groups.items() if heavy]
    rank = {g: i for i, g in enumerate(first + [g for g in groups if g not in first])}
    items.sort(key=lambda item: rank[group_of[item.nodeid]])


def pytest_unconfigure(config: pytest.Config) -> None:
    home = config.stash.get(_AIRFLOW_HOME, None)
    if home is not None:
        shutil.rmtree(home, ignore_errors=True)
