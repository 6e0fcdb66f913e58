"""Build the foundational libraries (dbt intermediate models and marts)."""

from airflow.sdk import dag, task

from pipelines.dag_support import DEFAULT_ARGS, chain_run, LIBRARIES, RESOLVED, START_DATE, settings


@dag(
    schedule=[RESOLVED],
    start_date=START_DATE,
    catchup=False,
    tags=["govdata", "build"],
    default_args=DEFAULT_ARGS,
    doc_md=__doc__,
)
def govdata_build():
    @task(outlets=[LIBRARIES], multiple_outputs=False)
    def build(**context) -> dict:
        from pipelines.build import run_build

        with chain_run(context):
            return run_build(settings())

    build()


govdata_build()
