"""Write the auditors' report of the chain run: data/reports/<run id>/ (index.html, report.json,
findings.xlsx) and the data/reports/latest link; the run's reconciliation counts go to
meta.reconciliation."""

from airflow.sdk import dag, task

from pipelines.dag_support import DEFAULT_ARGS, chain_run, REPORTED, PUBLISHED, START_DATE, settings


@dag(
    schedule=[PUBLISHED],
    start_date=START_DATE,
    catchup=False,
    tags=["govdata", "report"],
    default_args=DEFAULT_ARGS,
    doc_md=__doc__,
)
def govdata_report():
    @task(outlets=[REPORTED], multiple_outputs=False)
    def report(**context) -> dict:
        from pipelines.report import run_report

        with chain_run(context):
            return run_report(settings())

    report()


govdata_report()
