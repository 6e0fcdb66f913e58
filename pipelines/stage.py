"""Stage: the dbt staging models (one per raw table) and the record models for resolution."""

from __future__ import annotations

from pipelines import dbt_codegen
from pipelines.contracts import all_contracts
from pipelines.dbt import run_dbt
from pipelines.settings import Settings
from pipelines.warehouse import connect, record_stage, table_exists

STAGING_SELECTOR = "tag:staging tag:records"


def ensure_raw_tables(settings: Settings) -> list[str]:
    """Create an empty raw table for every contract that has had no delivery yet.

    Staging builds one model per contract; a source that has not delivered yet must stage as
    empty rather than fail the build.
    """
    created = []
    with connect(settings) as con:
        missing = [c for c in all_contracts() if not table_exists(con, c.raw_table)]
        if missing:  # importing the ingest package costs ~0.5 s: only when a table is missing
            from pipelines.ingest import ensure_raw_table

            for contract in missing:
                ensure_raw_table(con, contract)
                created.append(contract.raw_table)
    return created


def staging_costs(raw_rows: dict[str, int]) -> dict[str, float]:
    """Estimated cost of each staging model: its raw rows times its columns (cells to
    standardise and write), so dbt starts the largest first (the record models wait for all)."""
    return {
        f"stg_{c.source}": float(raw_rows.get(c.source, 0) * (len(c.columns) + len(dbt_codegen.LINEAGE_DOCS)))
        for c in all_contracts()
    }


def run_stage(settings: Settings) -> dict[str, int]:
    """Regenerate the contract-derived dbt files, then build staging and the record models;
    skipped when nothing it reads changed since its last run (`pipelines.unchanged`)."""
    from pipelines.unchanged import run_unless_unchanged

    # before the decision to skip: whatever runs next (this stage's dbt, the build, the checks
    # reading the models' files) finds the files the contracts give, skipped or not
    dbt_codegen.write()
    return run_unless_unchanged("stage", settings, lambda: _run_stage(settings))


def _run_stage(settings: Settings) -> dict[str, int]:
    with record_stage("stage", settings) as run:
        if settings.engine == "spark":  # the same models on Spark, from the raw tables' Parquet
            from pipelines.spark.stages import spark_stage

            return spark_stage(settings, run)
        ensure_raw_tables(settings)
        with connect(settings) as con:
            raw_rows = {
                c.source: con.execute(f"select count(*) from {c.raw_table}").fetchone()[0]  # type: ignore[index]
                for c in all_contracts()
            }
        run.rows_in = sum(raw_rows.values())
        nodes = run_dbt(
            settings, "build", ["--select", STAGING_SELECTOR], costs=staging_costs(raw_rows), stage="stage"
        )
        with connect(settings) as con:
            persons = con.execute("select count(*) from staging.int_person_records").fetchone()[0]  # type: ignore[index]
            orgs = con.execute("select count(*) from staging.int_org_records").fetchone()[0]  # type: ignore[index]
        run.rows_out = persons + orgs
        return {
            "raw rows": run.rows_in,
            "models built": sum(1 for n in nodes if n["node"].startswith("model.")),
            "person records": persons,
            "organisation records": orgs,
        }
