"""govdata: the county open data platform's pipeline package.

Every stage's entry function lives here, importable without Airflow; `dags/` and the `govdata`
CLI both call these functions.
"""

__all__ = ["__version__"]
__version__ = "0.1.0"
