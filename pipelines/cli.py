"""`govdata`: the operator's command line. Each command calls the same `pipelines` function that
the Airflow DAG of that stage calls; heavy modules are imported inside the commands so that
`govdata --help` stays fast."""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from pipelines.errors import GovdataError

# Plain (click) help: the rich help printed a type column such as `<bool>` beside every flag,
# where an operator wants to read what the flag means.
app = typer.Typer(
    help="County open data platform: department extracts -> foundational libraries.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)
check_app = typer.Typer(help="Data-quality checks (Great Expectations).", no_args_is_help=True)
resolve_app = typer.Typer(
    help="Entity resolution: the pipeline stage, or standalone on a Parquet file.",
    invoke_without_command=True,
)
app.add_typer(check_app, name="check")
app.add_typer(resolve_app, name="resolve")

console = Console(width=max(120, Console().width))
err_console = Console(stderr=True)
_state: dict[str, Any] = {"debug": False}


class ScaleChoice(StrEnum):
    tiny = "tiny"
    small = "small"
    county = "county"
    city = "city"


def _settings(**overrides: Any) -> Any:
    from pipelines.settings import load_settings

    clean = {k: v for k, v in overrides.items() if v is not None}
    return load_settings(**clean)


def _print_mapping(title: str, values: dict[str, Any]) -> None:
    table = Table(title=title, show_header=False)
    for key, value in values.items():
        table.add_row(str(key), str(value))
    console.print(table)


@app.callback()
def _main(
    debug: Annotated[bool, typer.Option("--debug", help="show full tracebacks")] = False,
) -> None:
    _state["debug"] = debug


@app.command()
def generate(
    scale: Annotated[ScaleChoice | None, typer.Option(help="sample county size")] = None,
    seed: Annotated[int | None, typer.Option(help="random seed")] = None,
) -> None:
    """Write a sample county into the landing folder (development and demos only)."""
    from pipelines.generator import generate as run_generate, write_share_samples

    settings = _settings()
    with console.status(f"generating a {scale or settings.scale} county"):
        summary = run_generate(settings, scale=scale.value if scale else None, seed=seed)
    console.print(summary)
    samples = write_share_samples(settings)
    console.print(f"{samples} sample share requests and approvals -> {settings.requests_path}, {settings.approvals_path}")


@app.command()
def ingest(
    landing: Annotated[Path | None, typer.Option(help="landing folder (default: settings)")] = None,
) -> None:
    """Load every department file of the landing folder into raw.* (nothing lost)."""
    from pipelines.ingest import ingest as run_ingest

    settings = _settings()
    with console.status("ingesting department files"):
        summary = run_ingest(settings, landing=landing)
    console.print(summary)


@app.command()
def stage() -> None:
    """Build the dbt staging models and the person/organisation record models."""
    from pipelines.stage import run_stage

    with console.status("building staging models"):
        _print_mapping("stage", run_stage(_settings()))


@check_app.command("staging")
def check_staging() -> None:
    """Run the staging suites; results go to dq.results and dq.failures."""
    from pipelines.quality import check_staging as run_check

    with console.status("checking staging models"):
        _print_mapping("check staging", run_check(_settings()))


@check_app.command("libraries")
def check_libraries() -> None:
    """Run the library suites and set each library's publication gate (dq.gate)."""
    from pipelines.quality import check_libraries as run_check

    with console.status("checking libraries"):
        _print_mapping("check libraries", run_check(_settings()))


@resolve_app.callback()
def resolve(ctx: typer.Context) -> None:
    """Without a subcommand: the pipeline stage (int_*_records -> er.*)."""
    if ctx.invoked_subcommand is not None:
        return
    from pipelines.resolve.stage import run_resolve

    with console.status("resolving persons and organisations"):
        _print_mapping("resolve", run_resolve(_settings()))


def _resolve_file(kind: str, input: Path, output: Path, truth: Path | None) -> None:
    from pipelines.resolve.api import resolve_file

    with console.status(f"resolving {kind} in {input}"):
        metrics = resolve_file(kind, input, output, truth)  # type: ignore[arg-type]
    console.print(f"wrote {output}")
    if metrics:
        _print_mapping(f"{kind}: accuracy against {truth}", {k: f"{v:.4f}" for k, v in metrics.items()})


InputOpt = Annotated[Path, typer.Option("--input", exists=True, dir_okay=False, help="Parquet")]
OutputOpt = Annotated[Path, typer.Option("--output", help="Parquet: source, record_id, entity_id")]
TruthOpt = Annotated[
    Path | None, typer.Option("--truth", help="Parquet: source, record_id, true_id")
]


@resolve_app.command("persons")
def resolve_persons(input: InputOpt, output: OutputOpt, truth: TruthOpt = None) -> None:
    """Resolve person records of a Parquet file (columns of the resolution contract)."""
    _resolve_file("persons", input, output, truth)


@resolve_app.command("orgs")
def resolve_orgs(input: InputOpt, output: OutputOpt, truth: TruthOpt = None) -> None:
    """Resolve organisation records of a Parquet file."""
    _resolve_file("orgs", input, output, truth)


@app.command()
def build() -> None:
    """Build the foundational libraries (dbt intermediate models and marts)."""
    from pipelines.build import run_build

    with console.status("building libraries"):
        _print_mapping("build", run_build(_settings()))


findings_app = typer.Typer(
    help="Authenticity findings: contradictions between departments, with evidence and auditors' outcomes.",
    invoke_without_command=True,
)
app.add_typer(findings_app, name="findings")


class FindingStatus(StrEnum):
    new = "new"
    open = "open"
    closed = "closed"


class DispositionChoice(StrEnum):
    confirmed = "confirmed"
    explained = "explained"
    false_alarm = "false_alarm"


@findings_app.callback()
def findings(ctx: typer.Context) -> None:
    """Without a subcommand: the findings stage (every rule; dq.findings, dq.finding_evidence)."""
    if ctx.invoked_subcommand is not None:
        return
    from pipelines.findings import run_findings

    with console.status("looking for contradictions between departments"):
        summary = run_findings(_settings())
    rejected = summary.pop("dispositions files rejected", [])
    _print_mapping("findings", summary)
    for reason in rejected:
        err_console.print(f"[red]dispositions file rejected:[/red] {reason}", highlight=False, soft_wrap=True)


@findings_app.command("list")
def findings_list(
    rule: Annotated[str | None, typer.Option("--rule", help="rule code, e.g. benefits_after_death")] = None,
    status: Annotated[FindingStatus | None, typer.Option("--status", help="new, open or closed")] = None,
) -> None:
    """Print the findings (latest state of each), with their latest disposition."""
    from pipelines.findings.listing import list_findings
    from pipelines.findings.rules import rule_by_code
    from pipelines.warehouse import connect

    if rule is not None:
        try:
            rule_by_code(rule)
        except KeyError as exc:
            raise GovdataError(str(exc.args[0])) from None
    settings = _settings()
    if not settings.warehouse_path.exists():
        console.print("no warehouse yet: run the pipeline first")
        return
    with connect(settings, read_only=True) as con:
        rows = list_findings(con, rule, status.value if status else None)
    if not rows:
        console.print("no findings")
        return
    table = Table(title=f"findings ({len(rows)})")
    for column in ("finding", "rule", "severity", "status", "entity", "amount", "evidence", "disposition", "summary"):
        table.add_column(column, overflow="fold", no_wrap=column in ("finding", "rule", "status"))
    for row in rows:
        table.add_row(
            row["finding_id"], row["rule"], row["severity"], row["status"],
            f"{row['entity_kind']} {row['entity_id']}", "" if row["amount"] is None else f"{row['amount']:,.2f}",
            str(row["evidence_rows"]), row["disposition"] or "", row["summary"] or "",
        )
    console.print(table)


@findings_app.command("disposition")
def findings_disposition(
    finding_id: Annotated[str, typer.Argument(help="the finding's id (F...)")],
    disposition: Annotated[DispositionChoice, typer.Argument(help="confirmed, explained or false_alarm")],
    note: Annotated[str, typer.Option("--note", help="what the follow-up found")],
    by: Annotated[str, typer.Option("--by", help="who decided")],
    date: Annotated[str | None, typer.Option("--date", help="when it was decided (YYYY-MM-DD; default today)")] = None,
) -> None:
    """Record an auditor's outcome of a finding (appended to dq.finding_dispositions)."""
    from datetime import date as date_type

    from pipelines.findings.dispositions import record
    from pipelines.findings.listing import refresh_outcomes
    from pipelines.warehouse import connect

    try:
        decided = date_type.fromisoformat(date) if date else date_type.today()
    except ValueError:
        raise GovdataError(f"--date {date!r} is not a date (YYYY-MM-DD)") from None
    with connect(_settings()) as con:
        item = record(con, finding_id, disposition.value, note, by, decided)
        refresh_outcomes(con)
    console.print(f"recorded {item.disposition} for {item.finding_id} by {item.decided_by} on {item.decided_on}")


@app.command()
def publish() -> None:
    """Publish the open data (aggregates, no personal data) of libraries whose gate is open, the
    resource catalog, and share packages for the requests the catalog allows."""
    from pipelines.publish import run_publish

    with console.status("publishing"):
        _print_mapping("publish", run_publish(_settings()))


@app.command()
def report(
    run_id: Annotated[
        str | None, typer.Option("--run", help="the run to report on (default: the latest); rebuilds an earlier run's report")
    ] = None,
    pdf: Annotated[bool, typer.Option("--pdf", help="also print the page to report.pdf with headless Chromium")] = False,
) -> None:
    """Write the auditors' report of a run: data/reports/<run id>/ (index.html, report.json,
    findings.xlsx; data/reports/latest follows the newest run)."""
    from pipelines.report import run_report

    with console.status("writing the report"):
        _print_mapping("report", run_report(_settings(), run_id=run_id, pdf=pdf))


class EngineChoice(StrEnum):
    duckdb = "duckdb"
    spark = "spark"


@app.command()
def run(
    engine: Annotated[
        EngineChoice | None,
        typer.Option(help="what runs stage, resolve and build (default: the `engine` setting)"),
    ] = None,
) -> None:
    """Run every stage in order through Airflow (dag.test(), no scheduler needed)."""
    import os

    from pipelines.orchestrate import run_all

    if engine is not None:  # a setting like any other: every stage of the chain reads it
        os.environ["GOVDATA_ENGINE"] = engine.value
    settings = _settings()
    results = run_all(settings, progress=lambda msg: console.print(f"[bold]>[/bold] {msg}"))
    _print_mapping("run", results)
    _print_outputs(settings)


@app.command("export-raw")
def export_raw(
    parquet: Annotated[Path, typer.Option("--parquet", help="folder to write <source>/delivery=<date>/ Parquet to")],
) -> None:
    """Write every raw table to Parquet, partitioned by source and delivery (the Spark path's input)."""
    from pipelines.spark.export_raw import export_raw as run_export

    settings = _settings()
    with console.status(f"exporting raw tables to {parquet}"):
        counts = run_export(settings, parquet)
    _print_mapping(f"raw rows exported to {parquet}", {"sources": len(counts), "rows": sum(counts.values())})


def _print_outputs(settings: Any) -> None:
    _print_mapping(
        "outputs",
        {
            "warehouse": settings.warehouse_path,
            "open data": settings.open_path,
            "resource catalog": settings.catalog_path,
            "share packages": settings.share_path,
            "reports": settings.reports_path,
        },
    )


@app.command("airflow")
def airflow_ui() -> None:
    """Start Airflow (scheduler, DAG processor, triggerer, API/UI) with the DAGs unpaused; Ctrl-C stops it."""
    from pipelines.airflow_ui import serve, stop

    process = serve(_settings(), echo=console.print)
    try:
        process.wait()
    except KeyboardInterrupt:
        console.print("stopping Airflow")
    finally:
        stop(process)


@app.command()
def status() -> None:
    """Last run of each stage (from meta.runs) and the ingest per department."""
    from pipelines.status import stage_status, ingest_status

    settings = _settings()
    runs = stage_status(settings)
    console.print(f"warehouse: {settings.warehouse_path}")
    table = Table(title="last run of each stage")
    for column in ("stage", "started (UTC)", "seconds", "rows in", "rows out", "outcome"):
        table.add_column(column, no_wrap=True)
    table.add_column("message", overflow="ellipsis", max_width=60)
    for row in runs:
        table.add_row(*(("" if v is None else str(v)) for k, v in row.items() if k != "chain_run_id"))
    console.print(table if runs else "no stage has run yet")
    if runs:
        latest = max(runs, key=lambda row: row["started_at"] or "")
        console.print(f"latest run id: {latest['chain_run_id']} (stage {latest['stage']})")
    departments = ingest_status(settings)
    if departments:
        dept_table = Table(title="ingest per department")
        shown = [k for k in departments[0] if k != "rejected_files"]
        for column in shown:
            dept_table.add_column(column.replace("_", " "), no_wrap=True)
        for row in departments:
            dept_table.add_row(*("" if row[k] is None else str(row[k]) for k in shown))
        console.print(dept_table)
        rejected = [row["rejected_files"] for row in departments if row.get("rejected_files")]
        if rejected:
            console.print("rejected files:")
            for text in rejected:
                for line in str(text).split("; "):
                    console.print(f"  {line}", highlight=False, soft_wrap=True)


# --- information systems library: reviewers' dispositions of zombie and shadow candidates ---
systems_app = typer.Typer(help="Information systems library (lib_systems): record reviewers' decisions.",
                          no_args_is_help=True)
app.add_typer(systems_app, name="systems")


class SystemDisposition(StrEnum):
    keep = "keep"
    retire = "retire"
    merge = "merge"


@systems_app.command("disposition")
def systems_disposition(
    system_code: Annotated[str, typer.Argument(help="系统编号 of the ledger")],
    disposition: Annotated[SystemDisposition, typer.Argument(help="keep, retire or merge")],
    note: Annotated[str, typer.Option("--note", help="why (required)")],
    by: Annotated[str, typer.Option("--by", help="who decided")],
) -> None:
    """Record a decision on a system (dq.system_dispositions, append-only); the next build shows it."""
    from pipelines.systems import record_disposition

    row = record_disposition(_settings(), system_code, disposition.value, note, by)
    console.print(f"recorded: {row.system_code} {row.disposition} by {row.decided_by} "
                  f"(#{row.disposition_id}); the next `govdata build` shows it in lib_systems")
# --- the resource catalog and sharing by it (pipelines.catalog, pipelines.share) -------------
catalog_app = typer.Typer(help="The government information resource catalog (政务信息资源目录).",
                          invoke_without_command=True)
share_app = typer.Typer(help="Sharing between departments by the catalog: requests, approvals, packages, log.",
                        invoke_without_command=True)
app.add_typer(catalog_app, name="catalog")
app.add_typer(share_app, name="share")


@catalog_app.callback()
def catalog(ctx: typer.Context) -> None:
    """Build the catalog from the marts' meta and the contracts (rules checked); export XLSX and DCAT JSON."""
    if ctx.invoked_subcommand is not None:
        return
    from pipelines.catalog import run_catalog

    with console.status("building the resource catalog"):
        _print_mapping("catalog", run_catalog(_settings()))


@share_app.callback()
def share(ctx: typer.Context) -> None:
    """Decide every request by the catalog; write granted packages, remove withdrawn or expired ones."""
    if ctx.invoked_subcommand is not None:
        return
    from pipelines.share import run_share

    with console.status("deciding share requests"):
        _print_mapping("share", run_share(_settings()))


@share_app.command("verify")
def share_verify(
    head: Annotated[str | None, typer.Option(help="a log head auditors were given (SHA-256): it must still be in the log")] = None,
) -> None:
    """Recompute the share log's hash chain and every package's file hashes; exit 1 at the first mismatch."""
    from pipelines.share.audit import verify
    from pipelines.warehouse import connect

    settings = _settings()
    with connect(settings, read_only=True) as con:
        problems = verify(con, settings, head)
    if problems:
        err_console.print(f"[red]mismatch:[/red] {problems[0]}", highlight=False, soft_wrap=True)
        for line in problems[1:20]:
            err_console.print(f"  also: {line}", highlight=False, soft_wrap=True)
        raise typer.Exit(1)
    console.print("share log chain and every package verified")


@share_app.command("list")
def share_list(
    run_id: Annotated[str | None, typer.Option(help="a chain run id (default: the latest)")] = None,
) -> None:
    """Per consumer department: what it receives (masked or clear) and why, and what was refused."""
    from pipelines.share.audit import list_shares
    from pipelines.warehouse import connect

    settings = _settings()
    with connect(settings, read_only=True) as con:
        rows = list_shares(con, run_id)
    if not rows:
        console.print("no share requests decided yet")
        return
    consumer = object()
    for row in rows:
        if row["consumer"] != consumer:
            consumer = row["consumer"]
            console.print(f"[bold]{consumer or '(unknown requester)'}[/bold]")
        rows_text = f", {row['rows']} rows in {row['package']}" if row["package"] else ""
        console.print(f"  {row['request_id']}: {row['resource'] or '-'} {row['status']}{rows_text}", highlight=False)
        for line in row["receives"]:
            console.print(f"    receives {line}", highlight=False, soft_wrap=True)
        for line in row["refused"]:
            console.print(f"    refused  {line}", highlight=False, soft_wrap=True)
        if not row["receives"] and not row["refused"]:
            console.print(f"    {row['reason']}", highlight=False, soft_wrap=True)


def main() -> None:
    """Console-script entry: expected failures print one line, tracebacks only with --debug."""
    try:
        app(standalone_mode=False)
    except GovdataError as exc:
        if _state["debug"]:
            raise
        err_console.print(f"[red]error:[/red] {exc}", highlight=False, soft_wrap=True)
        sys.exit(1)
    except (typer.Abort, KeyboardInterrupt):
        err_console.print("aborted")
        sys.exit(130)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except Exception as exc:  # noqa: BLE001 - one line for the operator, details with --debug
        import click

        if isinstance(exc, click.ClickException):
            exc.show()
            sys.exit(exc.exit_code)
        if _state["debug"]:
            raise
        err_console.print(
            f"[red]error:[/red] {type(exc).__name__}: {exc} (run with --debug for details)",
            highlight=False,
            soft_wrap=True,
        )
        sys.exit(1)
    finally:
        _skip_final_collection()


def _skip_final_collection() -> None:
    """The command is done: spare the interpreter its last garbage-collection pass at exit.

    After Airflow, dbt and GX are imported, that pass walks millions of objects and costs 1-3 s
    per command (measured on `govdata run`); frozen objects are skipped by it, and everything
    is still freed when the process ends.
    """
    import gc

    gc.freeze()


if __name__ == "__main__":
    main()
