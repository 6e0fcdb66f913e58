"""Resolve persons and organisations across departments (er.*)."""

from airflow.sdk import dag, task

from pipelines.dag_support import DEFAULT_ARGS, chain_run, RESOLVED, STAGING_CHECKED, START_DATE, settings


@dag(
    schedule=[STAGING_CHECKED],
    start_date=START_DATE,
    catchup=False,
    tags=["govdata", "resolve"],
    default_args=DEFAULT_ARGS,
    doc_md=__doc__,
)
def govdata_resolve():
    @task(outlets=[RESOLVED], multiple_outputs=False)
    def resolve(**context) -> dict:
        from pipelines.resolve.stage import run_resolve

        with chain_run(context):
            return run_resolve(settings())

    resolve()


govdata_resolve()
