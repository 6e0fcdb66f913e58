"""`make airflow` / `govdata airflow`: Airflow's scheduler, DAG processor, triggerer and API server
for the project's DAGs, the way an operator expects to find them.

`airflow standalone` alone leaves every DAG paused (nothing says so), binds the API to 0.0.0.0
and starts as many workers as Airflow's default parallelism (32) on a 2-core machine. Here the
DAGs are listed and unpaused, the one-slot warehouse pool exists, the API listens on 127.0.0.1
unless the `airflow_host` setting opens it, the executor runs as many tasks at once as the machine
has cores, and the login is printed once everything is up.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from pipelines.errors import GovdataError
from pipelines.orchestrate import DAGS_FOLDER, airflow_environment, prepare_airflow
from pipelines.settings import Settings

STARTUP_TIMEOUT_S = 300


def server_environment(settings: Settings, home: Path | None = None) -> dict[str, str]:
    """The Airflow variables the servers run with; an operator's own `AIRFLOW__*` values win."""
    port = settings.airflow_port
    defaults = {
        # created paused, unpaused by `serve` once the API server answers: a run started before
        # it is up fails (its tasks cannot reach the Execution API)
        "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "True",
        "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
        "AIRFLOW__CORE__PARALLELISM": str(os.cpu_count() or 1),
        "AIRFLOW__API__HOST": settings.airflow_host,
        "AIRFLOW__API__PORT": str(port),
        "AIRFLOW__API__BASE_URL": f"http://{_url_host(settings.airflow_host)}:{port}",
        "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"http://127.0.0.1:{port}/execution/",
        # a county's 2-core server running a stage answers its workers slowly: Airflow's 5 s
        # timed out while ingest and checks kept both cores busy (seen under load), failing
        # the task without a retry
        "AIRFLOW__WORKERS__EXECUTION_API_TIMEOUT": "60",
    }
    env = {**defaults, **{k: v for k, v in os.environ.items() if k in defaults}}
    env.update(airflow_environment(home))
    return env


def serve(
    settings: Settings,
    home: Path | None = None,
    echo: Callable[[str], None] = print,
    output: int | None = None,
) -> subprocess.Popen[bytes]:
    """Start the servers, wait until the DAGs are parsed, unpause them and print the login.

    Returns the running `airflow standalone` process (its own process group: `stop()` ends it).
    """
    env_vars = server_environment(settings, home)
    os.environ.update(airflow_environment(home))
    home_path = prepare_airflow(home)
    env = {**os.environ, **env_vars, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    process = subprocess.Popen(  # noqa: S603 - our own interpreter and Airflow
        [sys.executable, "-m", "airflow", "standalone"],
        env=env,
        stdout=output,
        stderr=subprocess.STDOUT if output is not None else None,
        start_new_session=True,
    )
    try:
        dag_ids = _wait_for_dags(home_path, process)
        _wait_for_api(env_vars["AIRFLOW__CORE__EXECUTION_API_SERVER_URL"], process)
        paused = [dag_id for dag_id, is_paused in dag_ids.items() if is_paused]
        for dag_id in paused:
            _airflow(env, "dags", "unpause", dag_id)
        echo(f"Airflow: {len(dag_ids)} DAGs listed and unpaused ({len(paused)} were paused), none paused")
        echo(f"open {env_vars['AIRFLOW__API__BASE_URL']} and log in as {_login(home_path)}")
        echo(
            f"API bound to {env_vars['AIRFLOW__API__HOST']}; up to "
            f"{env_vars['AIRFLOW__CORE__PARALLELISM']} tasks at once; pool duckdb_writer: 1 slot"
        )
    except BaseException:
        stop(process)
        raise
    return process


def stop(process: subprocess.Popen[bytes], timeout: float = 60) -> None:
    """End the servers (the whole process group) and wait for them."""
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGINT)
        process.wait(timeout=timeout)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        process.wait(timeout=timeout)


def project_dag_ids() -> set[str]:
    return {p.stem for p in DAGS_FOLDER.glob("*.py") if not p.name.startswith("_")}


def _wait_for_dags(home: Path, process: subprocess.Popen[bytes]) -> dict[str, bool]:
    """Until the DAG processor has written every project DAG to the metadata database:
    {dag_id: is_paused}."""
    wanted = project_dag_ids()
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise GovdataError(f"airflow standalone exited with code {process.returncode} while starting")
        found = _dags_in_database(home)
        if wanted <= set(found):
            return {dag_id: found[dag_id] for dag_id in sorted(wanted)}
        time.sleep(2)
    raise GovdataError(f"the DAGs did not appear in Airflow within {STARTUP_TIMEOUT_S} s")


def _wait_for_api(execution_url: str, process: subprocess.Popen[bytes]) -> None:
    """Until the API server answers its health check (tasks need its Execution API)."""
    import urllib.error
    import urllib.request

    health = execution_url.split("/execution")[0] + "/api/v2/monitor/health"
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise GovdataError(f"airflow standalone exited with code {process.returncode} while starting")
        try:
            with urllib.request.urlopen(health, timeout=5) as response:  # noqa: S310 - our own server
                if response.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(2)
    raise GovdataError(f"the Airflow API server did not answer at {health} within {STARTUP_TIMEOUT_S} s")


def _dags_in_database(home: Path) -> dict[str, bool]:
    try:
        with sqlite3.connect(f"file:{home / 'airflow.db'}?mode=ro", uri=True, timeout=5) as con:
            return {dag_id: bool(paused) for dag_id, paused in con.execute("select dag_id, is_paused from dag")}
    except sqlite3.Error:
        return {}


def _airflow(env: dict[str, str], *args: str) -> None:
    done = subprocess.run([sys.executable, "-m", "airflow", *args], env=env, capture_output=True, text=True)  # noqa: S603
    if done.returncode != 0:
        raise GovdataError(f"airflow {' '.join(args)} failed: {(done.stderr or done.stdout).strip()[-300:]}")


def _login(home: Path) -> str:
    """`admin / <password>` from the simple auth manager's generated password file."""
    path = home / "simple_auth_manager_passwords.json.generated"
    deadline = time.monotonic() + 60
    while not path.exists() and time.monotonic() < deadline:
        time.sleep(1)
    if not path.exists():
        return f"admin (password: see {path} once the API server has started)"
    users = json.loads(path.read_text(encoding="utf-8"))
    return ", ".join(f"{user} / {password}" for user, password in sorted(users.items()))


def _url_host(host: str) -> str:
    return "localhost" if host in ("127.0.0.1", "0.0.0.0", "::") else host
