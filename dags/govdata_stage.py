"""Build the dbt staging models and the person/organisation record models."""

from airflow.sdk import dag, task

from pipelines.dag_support import DEFAULT_ARGS, STAGING, RAW, START_DATE, settings


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
    def stage() -> dict:
        from pipelines.stage import run_stage

        return run_stage(settings())

    stage()


govdata_stage()
