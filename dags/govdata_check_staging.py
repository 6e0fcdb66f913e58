"""Great Expectations suites on the staging models (flag and report; never block)."""

from airflow.sdk import dag, task

from pipelines.dag_support import DEFAULT_ARGS, chain_run, STAGING_CHECKED, STAGING, START_DATE, settings


@dag(
    schedule=[STAGING],
    start_date=START_DATE,
    catchup=False,
    tags=["govdata", "quality"],
    default_args=DEFAULT_ARGS,
    doc_md=__doc__,
)
def govdata_check_staging():
    @task(outlets=[STAGING_CHECKED], multiple_outputs=False)
    def check_staging(**context) -> dict:
        from pipelines.quality import check_staging

        with chain_run(context):
            return check_staging(settings())

    check_staging()


govdata_check_staging()
