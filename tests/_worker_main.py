"""The `__main__` file of a pytest-xdist worker (tests/conftest.py): nothing to run.

execnet starts each worker with `python -c`, so its `__main__` has neither `__file__` nor
`__spec__`. pyspark (imported by Great Expectations) reads such a `__main__` as its own doctest
run and calls `sys.exit(0)` on import, which would end every check stage run in a worker. Naming
this file as `__main__.__file__` gives the worker, and the `spawn` processes it starts for the
check stage (they run this file as their `__mp_main__`), a `__main__` like a script's.
"""
