"""Ingest every department's delivered files into raw.* (one mapped task per department).

The chain's start: it runs on the settings' cron schedule (01:30 county time by default) and goes
on only when a delivery is new or changed since the last successful run; triggered by hand (or by
`govdata run`) it always runs. The DAGs after it are scheduled on the Assets the stages produce.
"""

from airflow.sdk import dag, task

from pipelines.dag_support import (
    DEFAULT_ARGS,
    RAW,
    START_DATE,
    anything_to_ingest,
    chain_run,
    ingest_schedule,
    record_ingest_totals,
    settings,
)


@dag(
    schedule=ingest_schedule(),
    start_date=START_DATE,
    catchup=False,
    tags=["govdata", "ingest"],
    default_args=DEFAULT_ARGS,
    doc_md=__doc__,
)
def govdata_ingest():
    @task.short_circuit(pool="default_pool")
    def deliveries_changed(**context) -> bool:
        return anything_to_ingest(context)

    @task(pool="default_pool")
    def departments(**context) -> list[str]:
        from pipelines.ingest import list_departments

        with chain_run(context):
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

    listed = departments()
    deliveries_changed() >> listed
    ingested(ingest_department.expand(department=listed))


govdata_ingest()
