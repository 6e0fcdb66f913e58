"""The distributed path: the same dbt models and the same resolver on a Spark session.

A province outgrows one DuckDB file; its big-data centre runs Spark. Everything here drives the
project's own code on Spark (dbt's `spark` target, the Python standardisers as Arrow UDFs, the
resolver's engine per partition) rather than restating it.
"""
