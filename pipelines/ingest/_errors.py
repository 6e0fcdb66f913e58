"""Control flow of the ingest, as exceptions a reader raises and the loader handles."""

from __future__ import annotations


class FileRejected(Exception):  # noqa: N818 - it is an outcome, not a programming error
    """Nothing of the file can be trusted: it is recorded as `rejected` with this reason and
    none of its rows are loaded (what it wrote is deleted by its batch id)."""

    def __init__(self, reason: str, rows_read: int = 0) -> None:
        super().__init__(reason)
        self.reason = reason
        self.rows_read = rows_read


class FallBack(Exception):  # noqa: N818
    """A reader's plan is not sure about a file: what it wrote is deleted by its batch id and
    the source's next plan reads the file from the start."""
