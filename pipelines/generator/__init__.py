"""Sample-county generator: department extracts as departments deliver them, with known truth.

Imported only by `govdata generate`; no pipeline stage may import it or read what it writes to
the truth folder.
"""

from pipelines.generator._run import GenerateSummary, generate

__all__ = ["GenerateSummary", "generate"]
