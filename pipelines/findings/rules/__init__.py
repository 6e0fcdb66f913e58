"""Every findings rule, each declared once in its own module (code, Chinese title, dimension,
severity, parameters with their reasons, detector). The order is the report's order."""

from __future__ import annotations

from pipelines.findings.rule import Rule
from pipelines.findings.rules import (
    allowance_eligibility,
    benefits_after_death,
    benford_screen,
    business_power,
    dead_still_acting,
    indicator_against_sources,
    indicator_sum_mismatch,
    licence_after_deregistration,
    registered_not_living,
)

RULES: tuple[Rule, ...] = (
    benefits_after_death.RULE,
    dead_still_acting.RULE,
    licence_after_deregistration.RULE,
    allowance_eligibility.RULE,
    registered_not_living.RULE,
    business_power.RULE,
    indicator_sum_mismatch.RULE,
    indicator_against_sources.RULE,
    benford_screen.RULE,
)


def rule_by_code(code: str) -> Rule:
    for rule in RULES:
        if rule.code == code:
            return rule
    raise KeyError(f"no findings rule {code!r}; rules: {', '.join(r.code for r in RULES)}")
