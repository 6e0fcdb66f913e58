"""Great Expectations suites on the libraries; sets each library's publication gate."""

from airflow.sdk import dag, task

from pipelines.dag_support import DEFAULT_ARGS, alert_gates_closed, chain_run, LIBRARIES_CHECKED, LIBRARIES, START_DATE, settings


@dag(
    schedule=[LIBRARIES],
    start_date=START_DATE,
    catchup=False,
    tags=["govdata", "quality"],
    default_args=DEFAULT_ARGS,
    doc_md=__doc__,
)
def govdata_check_libraries():
    @task(outlets=[LIBRARIES_CHECKED], multiple_outputs=False)
    def check_libraries(**context) -> dict:
        from pipelines.quality import check_libraries

        with chain_run(context):
            summary = check_libraries(settings())
            alert_gates_closed(context, summary)
            return summary

    check_libraries()


govdata_check_libraries()
