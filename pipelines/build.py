"""Build: the foundational libraries (dbt intermediate models and marts, with their tests)."""

from __future__ import annotations

from pipelines.dbt import run_dbt
from pipelines.settings import Settings
from pipelines.warehouse import connect, record_stage, table_exists

LIBRARY_SCHEMAS = (
    "lib_population",
    "lib_legal_entity",
    "lib_spatial",
    "lib_macro",
    "lib_credit",
    "lib_elicense",
    "lib_decision",
    "lib_systems",
)
BUILD_EXCLUDE = "tag:staging tag:records"


def library_tables(con: object) -> list[tuple[str, str]]:
    """(schema, table) of every library table present in the warehouse."""
    placeholders = ", ".join("?" for _ in LIBRARY_SCHEMAS)
    rows = con.execute(  # type: ignore[attr-defined]
        "select table_schema, table_name from information_schema.tables "
        f"where table_schema in ({placeholders}) order by 1, 2",
        list(LIBRARY_SCHEMAS),
    ).fetchall()
    return [(schema, name) for schema, name in rows]


def run_build(settings: Settings) -> dict[str, int]:
    """Build every model that is not staging, then count the rows of each library table;
    skipped when nothing it reads changed since its last run (`pipelines.unchanged`)."""
    from pipelines.unchanged import run_unless_unchanged

    return run_unless_unchanged("build", settings, lambda: _run_build(settings))


def _run_build(settings: Settings) -> dict[str, int]:
    with record_stage("build", settings) as run:
        if settings.engine == "spark":  # the same models on Spark, libraries published as views
            from pipelines.spark.stages import spark_build

            return spark_build(settings, run)
        with connect(settings) as con:
            # lib_systems reads the reviewers' decisions; the table exists before anyone decides
            from pipelines.systems import ensure_dispositions_table

            ensure_dispositions_table(con)
            run.rows_in = (
                con.execute("select count(*) from er.person_xref").fetchone()[0]  # type: ignore[index]
                if table_exists(con, "er.person_xref")
                else 0
            )
        nodes = run_dbt(settings, "build", ["--exclude", BUILD_EXCLUDE], stage="build")
        counts: dict[str, int] = {}
        with connect(settings) as con:
            for schema, table in library_tables(con):
                counts[f"{schema}.{table}"] = con.execute(
                    f'select count(*) from "{schema}"."{table}"'
                ).fetchone()[0]  # type: ignore[index]
        run.rows_out = sum(counts.values())
        tests = [n for n in nodes if n["node"].startswith("test.")]
        return {"dbt tests passed": sum(1 for t in tests if t["status"] == "pass"), **counts}
