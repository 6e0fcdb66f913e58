"""Authenticity findings: contradictions between departments (benefits after death, licences
outliving their holder, homes without power or water use, statistics that do not add up, ...),
each with its evidence rows, written to dq.findings under the chain's run id."""

from airflow.sdk import dag, task

from pipelines.dag_support import DEFAULT_ARGS, FINDINGS, LIBRARIES_CHECKED, START_DATE, chain_run, settings


@dag(
    schedule=[LIBRARIES_CHECKED],
    start_date=START_DATE,
    catchup=False,
    tags=["govdata", "findings"],
    default_args=DEFAULT_ARGS,
    doc_md=__doc__,
)
def govdata_findings():
    @task(outlets=[FINDINGS], multiple_outputs=False)
    def findings(**context) -> dict:
        from pipelines.findings import run_findings

        with chain_run(context):
            return run_findings(settings())

    findings()


govdata_findings()
