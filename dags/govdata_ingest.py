"""Ingest every department's delivered files into raw.* (one mapped task per department)."""

from airflow.sdk import dag, task

from pipelines.dag_support import DEFAULT_ARGS, RAW, START_DATE, settings


@dag(
    schedule=None,
    start_date=START_DATE,
    catchup=False,
    tags=["govdata", "ingest"],
    default_args=DEFAULT_ARGS,
    doc_md=__doc__,
)
def govdata_ingest():
    @task(pool="default_pool")
    def departments() -> list[str]:
        from pipelines.ingest import list_departments

        return list_departments(settings())

    @task
    def ingest_department(department: str) -> dict:
        from pipelines.ingest import ingest

        return ingest(settings(), departments=[department]).totals()

    @task(outlets=[RAW], pool="default_pool")
    def ingested(results: list[dict]) -> int:
        return sum(r.get("rows_loaded", 0) for r in results)

    ingested(ingest_department.expand(department=departments()))


govdata_ingest()
