"""Shared fixtures: every test gets settings pointing at its own temporary folders, so no test
touches the project's data/ folder or another test's warehouse."""

from __future__ import annotations

import functools
import os
import re
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

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
        main = sys.modules["__main__"]
        if getattr(main, "__spec__", None) is None and not hasattr(main, "__file__"):
            # execnet starts workers with `python -c`: see tests/_worker_main.py for why this matters
            main.__file__ = str(Path(__file__).with_name("_worker_main.py"))


_TESTS = Path(__file__).parent
_WIDE_FIXTURE = re.compile(r"""scope\s*=\s*["'](session|package)["']""")


@functools.cache
def _shares_wide_fixtures(folder: Path) -> bool:
    """Whether the folder's conftest declares a session or package fixture (the root conftest's
    are cheap and built in every worker)."""
    conftest = folder / "conftest.py"
    return folder != _TESTS and conftest.is_file() and bool(_WIDE_FIXTURE.search(conftest.read_text("utf-8")))


def xdist_group_of(rootpath: Path, nodeid: str) -> str:
    """The unit `make test` hands to one worker: a test's module, or the folder whose conftest
    has a session or package fixture (tests/libraries' two-delivery build, tests/generator's
    tiny county), so that each fixture wider than a test is built in one worker only."""
    module = nodeid.split("::", 1)[0]
    for folder in reversed((rootpath / module).parents):
        if folder.is_relative_to(_TESTS) and _shares_wide_fixtures(folder):
            return folder.relative_to(rootpath).as_posix()
    return module


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """`--dist loadgroup` with the groups of `xdist_group_of`. (xdist's own loadgroup reads
    xdist_group marks through a node-id suffix that pytest 9 no longer lets it set.)"""
    if config.getvalue("dist") != "loadgroup":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class GroupScheduling(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return xdist_group_of(config.rootpath, nodeid)

    return GroupScheduling(config, log)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """In pytest-xdist's workers (`make test`), put first the groups that run the pipeline on a
    generated county (`generated_county`, or marked e2e): minutes each, left for the end they
    would keep one worker busy while the other idles (`--no-loadscope-reorder` keeps this order).
    A run without workers keeps the collection order."""
    if not os.environ.get("PYTEST_XDIST_WORKER"):
        return
    heavy: dict[str, bool] = {}  # group -> runs the pipeline, in order of first appearance
    for item in items:
        group = xdist_group_of(config.rootpath, item.nodeid)
        runs = "generated_county" in item.fixturenames or item.get_closest_marker("e2e") is not None
        heavy[group] = heavy.get(group, False) or runs
    order = [g for g, h in heavy.items() if h] + [g for g, h in heavy.items() if not h]
    rank = {g: i for i, g in enumerate(order)}
    items.sort(key=lambda item: rank[xdist_group_of(config.rootpath, item.nodeid)])


def pytest_unconfigure(config: pytest.Config) -> None:
    home = config.stash.get(_AIRFLOW_HOME, None)
    if home is not None:
        shutil.rmtree(home, ignore_errors=True)
