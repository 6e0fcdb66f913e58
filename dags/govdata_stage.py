"""Build the dbt staging models and the person/organisation record models."""

from airflow.sdk import dag, task

from pipelines.dag_support import DEFAULT_ARGS, chain_run, STAGING, RAW, START_DATE, settings


@dag(
    schedule=[RAW],
    start_date=START_DATE,
    catchup=False,
    tags=["govdata", "stage"],
    default_args=DEFAULT_ARGS,
    doc_md=__doc__,
)
def govdata_stage():
    @task(outlets=[STAGING], multiple_outputs=False)
    def stage(**context) -> dict:
        from pipelines.stage import run_stage

        with chain_run(context):
            return run_stage(settings())

    stage()


govdata_stage()
