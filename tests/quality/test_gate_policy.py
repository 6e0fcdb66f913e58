"""The gate policy: thresholds follow the accepted baseline; a failed error check closes a gate
only on enough records and beyond chance."""

from __future__ import annotations

from pipelines.quality.declarations import Check, GatePolicy, Rule, Suite, threshold_for
from pipelines.quality.runner import CheckOutcome

POLICY = GatePolicy(baseline_factor=1.5, min_failures=5, confidence_z=1.645)
RULE = Rule("id_number_valid", "expect_column_values_to_be_valid_id_number", "准确性",
            "content correctness", "error", 0.97, "GB 11643")


def _outcome(evaluated: int, unexpected: int, baseline: float | None, severity: str = "error",
             scope: str = "current") -> CheckOutcome:
    rule = RULE if severity == "error" else Rule(**{**RULE.__dict__, "severity": severity})
    check = Check("s:id_number_valid:id_number", rule, "id_number", {}, ("id_number",),
                  threshold=threshold_for(rule, baseline, POLICY), baseline_rate=baseline)
    suite = Suite("s", "staging", "staging.s", "select 1", "row_id", (), (check,), {}, scope=scope)
    return CheckOutcome(check=check, suite=suite, elements=evaluated, evaluated=evaluated, unexpected=unexpected)


def test_threshold_follows_the_baseline() -> None:
    assert threshold_for(RULE, None, POLICY) == 0.97
    assert threshold_for(RULE, 0.0, POLICY) == 0.97
    assert abs(threshold_for(RULE, 0.012, POLICY) - 0.982) < 1e-9
    assert threshold_for(RULE, 0.9, POLICY) == 0.0


def test_the_sample_passes_and_twice_its_rate_closes_the_gate() -> None:
    sample = _outcome(2000, 24, baseline=0.012)  # the accepted rate itself
    assert sample.success and not sample.closes_gate(POLICY)
    twice = _outcome(2000, 48, baseline=0.012)
    assert not twice.success and twice.closes_gate(POLICY)


def test_small_tables_and_chance_do_not_close_the_gate() -> None:
    few = _outcome(4, 2, baseline=None)  # 50% failed, but 2 records
    assert not few.success and not few.closes_gate(POLICY)
    noisy = _outcome(203, 24, baseline=0.098)  # 11.8% against an accepted 9.8%: within chance
    assert not noisy.closes_gate(POLICY)


def test_warnings_and_history_never_close_the_gate() -> None:
    assert not _outcome(1000, 500, None, severity="warn").closes_gate(POLICY)
    assert not _outcome(1000, 500, None, scope="history").closes_gate(POLICY)
    assert _outcome(1000, 500, None).closes_gate(POLICY)


def test_wilson_lower_bound() -> None:
    outcome = _outcome(100, 10, None)
    assert 0.05 < outcome.wilson_lower(1.96) < 0.06  # Wilson interval of 10/100: [0.055, 0.174]
    assert _outcome(0, 0, None).wilson_lower(1.96) == 0.0


def test_one_unreadable_library_table_closes_the_gate() -> None:
    missing = _outcome(3, 1, None, scope="accessibility")
    assert not missing.success and missing.closes_gate(POLICY)
