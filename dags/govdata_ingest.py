"""Ingest every department's delivered files into raw.* (one mapped task per department)."""

from airflow.sdk import dag, task

from pipelines.dag_support import DEFAULT_ARGS, RAW, chain_run, START_DATE, record_ingest_totals, settings


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

    @task(multiple_outputs=False)
    def ingest_department(department: str, **context) -> dict:
        from pipelines.ingest import ingest

        with chain_run(context):
            return ingest(settings(), departments=[department]).totals()

    @task(outlets=[RAW], multiple_outputs=False)
    def ingested(results: list[dict], **context) -> dict:
        with chain_run(context):  # the chain's run id starts here and travels with RAW
            return record_ingest_totals(results[:], context["dag_run"].start_date)  # one request for all

    ingested(ingest_department.expand(department=departments()))


govdata_ingest()
