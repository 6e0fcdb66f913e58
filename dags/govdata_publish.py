"""Publish open data of the libraries whose quality gate is open (after the findings stage, so
publish and the report never race ahead of it)."""

from airflow.sdk import dag, task

from pipelines.dag_support import DEFAULT_ARGS, chain_run, PUBLISHED, FINDINGS, START_DATE, settings


@dag(
    schedule=[FINDINGS],
    start_date=START_DATE,
    catchup=False,
    tags=["govdata", "publish"],
    default_args=DEFAULT_ARGS,
    doc_md=__doc__,
)
def govdata_publish():
    @task(outlets=[PUBLISHED], multiple_outputs=False)
    def publish(**context) -> dict:
        from pipelines.publish import run_publish

        with chain_run(context):
            return run_publish(settings())

    publish()


govdata_publish()
