"""The check declarations of `expectations/`: rules (declared once, with their GB/T 36344 meta and
threshold) and the suites they are bound into.

`rules.yaml` declares every rule; `staging.yaml` and `libraries.yaml` say where rules apply, by
contract column type, column name, party field, key and so on, so suites are generated from the
source contracts and the dbt models rather than listed table by table. Nothing here imports Great
Expectations: the gate (asked by `govdata publish`) reads declarations too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from pipelines.errors import GovdataError
from pipelines.settings import Settings

# libyaml's parser when PyYAML was built with it (the pure-Python one took seconds to read
# the dbt model YAML at every check run), else PyYAML's own; both safe
SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

DIMENSIONS = ("规范性", "完整性", "准确性", "一致性", "时效性", "可访问性")
DIMENSION_EN = {
    "规范性": "normativity",
    "完整性": "completeness",
    "准确性": "accuracy",
    "一致性": "consistency",
    "时效性": "timeliness",
    "可访问性": "accessibility",
}
# GB/T 36344-2018 indicators of each dimension (the English names of the table in standards.md).
INDICATORS = {
    "规范性": (
        "data standards",
        "data model",
        "metadata",
        "business rules",
        "authoritative reference data",
        "security rules",
    ),
    "完整性": ("element completeness", "record completeness"),
    "准确性": (
        "content correctness",
        "format compliance",
        "duplicate rate",
        "uniqueness",
        "dirty-data rate",
    ),
    "一致性": ("same data consistent across places", "related data consistent"),
    "时效性": ("correct for a period", "timely at a point in time", "correct order in time"),
    "可访问性": ("accessible", "usable"),
}
SEVERITIES = ("error", "warn")
LIBRARY_SCHEMA_PREFIX = "lib_"

# Expectations over two columns (`column_A`, `column_B`); every other rule binds to one `column`.
PAIR_EXPECTATIONS = frozenset(
    {
        "expect_column_pair_delivered_values_to_be_read",
        "expect_column_pair_id_number_to_agree_with_birth_date",
        "expect_column_pair_id_number_to_agree_with_gender",
        "expect_column_pair_dates_to_be_in_order",
        "expect_column_pair_values_to_be_equal",
        "expect_column_pair_values_a_to_be_greater_than_b",
    }
)
# Expectations over a list of columns at once (`column_list`): one check per table for the
# hygiene rules every text column gets; dq.failures names the offending column of each record.
MULTICOLUMN_EXPECTATIONS = frozenset(
    {
        "expect_multicolumn_values_to_not_match_regex",
        "expect_multicolumn_value_lengths_to_be_at_most",
    }
)
# Frame columns holding the text a department delivered (joined from the raw table).
DELIVERED_SUFFIX = "__delivered"
# Expectation arguments taken from the settings of the run rather than declared.
RUNTIME_ARGUMENTS: dict[str, tuple[str, ...]] = {
    "expect_column_values_to_be_valid_id_number": ("as_of",),
    "expect_column_values_to_have_plausible_age": ("as_of",),
    "expect_column_values_to_be_dates_not_after": ("as_of",),
    "expect_column_values_to_be_valid_division_code": ("county",),
}
# Expectations whose "elements evaluated" are all rows (missing values are what they count).
COUNT_MISSING = frozenset({"expect_column_values_to_not_be_null"})


class DeclarationError(GovdataError):
    """An `expectations/` file declares something impossible (unknown rule, dimension, ...)."""


@dataclass(frozen=True)
class Rule:
    """One declared rule: which expectation, its GB/T 36344 meta and its threshold."""

    name: str
    expectation: str
    dimension: str
    indicator: str
    severity: str
    mostly: float
    reason: str
    kwargs: dict[str, Any] = field(default_factory=dict)

    def meta(self) -> dict[str, Any]:
        """The `meta` every expectation of this rule carries (shown in Data Docs)."""
        return {
            "rule": self.name,
            "dimension": self.dimension,
            "dimension_en": DIMENSION_EN[self.dimension],
            "indicator": self.indicator,
            "severity": self.severity,
            "threshold": self.mostly,
            "reason": self.reason,
        }


@dataclass(frozen=True)
class Check:
    """A rule bound to one place: its suite, the column reported and the expectation's arguments.

    `threshold` is the share that must pass here: the rule's `mostly`, or, where the accepted
    baseline of this check has a failure rate, `1 - baseline_factor * rate` (see `GatePolicy`).
    """

    check_id: str
    rule: Rule
    column: str | None  # the column dq.results names (English contract/library name)
    kwargs: dict[str, Any]
    columns: tuple[str, ...] = ()  # frame columns the check reads
    shown: tuple[str, ...] = ()  # frame columns whose values dq.failures shows (masked)
    threshold: float = 1.0
    baseline_rate: float | None = None


@dataclass(frozen=True)
class GatePolicy:
    """How thresholds follow the accepted baseline and when a failed error check closes a gate.

    A check's allowed failure rate is `baseline_factor` times the rate its accepted baseline
    delivery had (`baseline.yaml`), or `1 - mostly` where the baseline had none. A failed error
    check closes the gates of the libraries it feeds when it failed on at least `min_failures`
    records and its failure rate is above the baseline's beyond chance (the lower end of the
    Wilson interval at `confidence_z` standard errors exceeds the baseline rate). Accessibility
    checks count tables, not records: one unreadable table closes its library's gate.
    """

    baseline_factor: float = 1.5
    min_failures: int = 5
    confidence_z: float = 1.645
    baseline_file: str = "baseline.yaml"


@dataclass(frozen=True)
class ColumnInfo:
    """What masking needs about a frame column: its sensitivity and masking kind."""

    name: str
    sensitivity: str
    kind: str | None = None


@dataclass(frozen=True)
class Suite:
    """One suite: a frame (a table or a derived query) and the checks run on it.

    Only `history` suites never count for a library's gate (earlier deliveries were checked, and
    gated, when they were current). The frame must hold `index_column` (the record's key in dq.failures) and, when `lineage`,
    `source_file`, `source_line` and optionally `department` per row.
    """

    name: str
    stage: str  # "staging" | "libraries"
    table: str  # what dq.results names: the checked table
    query: str  # SQL giving the frame to validate
    index_column: str
    key: tuple[str, ...]  # the record key of the checked table (documentation; may be empty)
    checks: tuple[Check, ...]
    columns: dict[str, ColumnInfo]
    department: str | None = None
    library: str | None = None
    source: str | None = None
    lineage: bool = True
    requires: tuple[str, ...] = ()  # tables that must exist for the suite to run
    scope: str = "current"  # current | history | source | cross-source | library | accessibility


def expectations_dir(settings: Settings) -> Path:
    """The `expectations/` folder of the project the settings point at."""
    return settings.root / "expectations"


def read_declaration(settings: Settings, name: str) -> dict[str, Any]:
    """One YAML file of `expectations/` as a mapping."""
    return dict(_read_yaml(expectations_dir(settings) / name))


@lru_cache(maxsize=16)
def _read_yaml_cached(path: Path, stamp: float) -> dict[str, Any]:
    data = yaml.load(path.read_text(encoding="utf-8"), Loader=SAFE_LOADER) or {}
    if not isinstance(data, dict):
        raise DeclarationError(f"{path}: expected a mapping at the top level")
    return data


def _read_yaml(path: Path) -> dict[str, Any]:
    if not path.exists():
        raise DeclarationError(f"{path}: check declarations missing")
    try:
        return _read_yaml_cached(path, path.stat().st_mtime)
    except yaml.YAMLError as exc:
        raise DeclarationError(f"{path}: not valid YAML: {exc}") from None


def _parse_rule(path: Path, name: str, spec: dict[str, Any]) -> Rule:
    where = f"{path}: rule {name}"
    missing = {"expectation", "dimension", "indicator", "severity", "mostly", "reason"} - set(spec)
    if missing:
        raise DeclarationError(f"{where}: missing {sorted(missing)}")
    dimension, indicator, severity = spec["dimension"], spec["indicator"], spec["severity"]
    if dimension not in DIMENSIONS:
        raise DeclarationError(f"{where}: dimension {dimension!r} is not one of {DIMENSIONS}")
    if indicator not in INDICATORS[dimension]:
        raise DeclarationError(f"{where}: indicator {indicator!r} is not one of {INDICATORS[dimension]}")
    if severity not in SEVERITIES:
        raise DeclarationError(f"{where}: severity {severity!r} is not one of {SEVERITIES}")
    mostly = float(spec["mostly"])
    if not 0.0 <= mostly <= 1.0:
        raise DeclarationError(f"{where}: mostly {mostly} is not between 0 and 1")
    return Rule(
        name=name,
        expectation=str(spec["expectation"]),
        dimension=dimension,
        indicator=indicator,
        severity=severity,
        mostly=mostly,
        reason=str(spec["reason"]).strip(),
        kwargs=dict(spec.get("kwargs") or {}),
    )


def load_rules(settings: Settings) -> dict[str, Rule]:
    """Every declared rule by name (`expectations/rules.yaml`)."""
    path = expectations_dir(settings) / "rules.yaml"
    raw = _read_yaml(path).get("rules") or {}
    return {name: _parse_rule(path, name, spec) for name, spec in raw.items()}


def gate_policy(settings: Settings) -> GatePolicy:
    """The `gate:` section of `expectations/rules.yaml`."""
    spec = _read_yaml(expectations_dir(settings) / "rules.yaml").get("gate") or {}
    return GatePolicy(**spec)


def load_baseline(settings: Settings) -> dict[str, float]:
    """Accepted failure rates per check id (`expectations/baseline.yaml`; empty when absent)."""
    path = expectations_dir(settings) / gate_policy(settings).baseline_file
    if not path.exists():
        return {}
    rates = _read_yaml(path).get("rates") or {}
    return {str(k): float(v) for k, v in rates.items()}


def threshold_for(rule: Rule, baseline_rate: float | None, policy: GatePolicy) -> float:
    """The share that must pass: `1 - factor * baseline rate`, or the rule's `mostly` without one."""
    if baseline_rate is None or baseline_rate <= 0:
        return rule.mostly
    return max(0.0, 1.0 - policy.baseline_factor * baseline_rate)


def rule(rules: dict[str, Rule], name: str, where: str) -> Rule:
    """A declared rule by name; naming an undeclared rule is an error in the declaring file."""
    if name not in rules:
        raise DeclarationError(f"{where}: unknown rule {name!r} (declare it in expectations/rules.yaml)")
    return rules[name]


def _setting_argument(argument: str, settings: Settings) -> Any:
    if argument == "as_of":
        return settings.as_of.isoformat()
    if argument == "county":
        return settings.county.model_dump(mode="json")
    raise DeclarationError(f"no setting for expectation argument {argument!r}")


def bind(
    suite: str,
    rule: Rule,
    settings: Settings,
    *,
    column: str | None,
    frame_columns: tuple[str, ...],
    extra: dict[str, Any] | None = None,
    shown: tuple[str, ...] | None = None,
) -> Check:
    """Bind a rule to frame columns (one, or two for pair expectations) as a check of a suite,
    with the threshold its accepted baseline sets."""
    if rule.expectation in MULTICOLUMN_EXPECTATIONS and len(frame_columns) == 1:
        return _single_column_form(suite, rule, settings, frame_columns[0], extra or {}, shown)
    if rule.expectation in MULTICOLUMN_EXPECTATIONS:
        where = "*"
    else:
        where = "+".join(frame_columns) if column is None else column
    check_id = f"{suite}:{rule.name}:{where}"
    baseline = load_baseline(settings).get(check_id)
    threshold = threshold_for(rule, baseline, gate_policy(settings))
    kwargs: dict[str, Any] = {**rule.kwargs, **(extra or {}), "mostly": threshold}
    for argument in RUNTIME_ARGUMENTS.get(rule.expectation, ()):
        kwargs[argument] = _setting_argument(argument, settings)
    if rule.expectation in MULTICOLUMN_EXPECTATIONS:
        kwargs["column_list"] = list(frame_columns)
    elif rule.expectation in PAIR_EXPECTATIONS:
        if len(frame_columns) != 2:
            raise DeclarationError(f"{suite}: rule {rule.name} compares two columns, got {frame_columns}")
        kwargs["column_A"], kwargs["column_B"] = frame_columns
    else:
        if len(frame_columns) != 1:
            raise DeclarationError(f"{suite}: rule {rule.name} checks one column, got {frame_columns}")
        kwargs["column"] = frame_columns[0]
    return Check(
        check_id=check_id,
        rule=rule,
        column=column,
        kwargs=kwargs,
        columns=frame_columns,
        shown=shown or frame_columns,
        threshold=threshold,
        baseline_rate=baseline,
    )


def _single_column_form(
    suite: str, rule: Rule, settings: Settings, column: str, extra: dict[str, Any], shown: tuple[str, ...] | None
) -> Check:
    """A multicolumn hygiene rule on a table with one such column: GX's single-column form."""
    label = column.removesuffix(DELIVERED_SUFFIX)
    if rule.expectation == "expect_multicolumn_values_to_not_match_regex":
        single = Rule(**{**rule.__dict__, "expectation": "expect_column_values_to_not_match_regex"})
        return bind(suite, single, settings, column=label, frame_columns=(column,), shown=shown)
    lengths = {**rule.kwargs, **extra}.get("max_lengths") or {}
    single = Rule(**{**rule.__dict__, "expectation": "expect_column_value_lengths_to_be_between", "kwargs": {}})
    return bind(suite, single, settings, column=label, frame_columns=(column,),
                extra={"max_value": int(lengths[column])}, shown=shown)


def exempt(declared: dict[str, Any], rule_name: str, column: str) -> bool:
    """Whether a declaration exempts a column from a rule (by English-name pattern)."""
    patterns = (declared.get("exempt") or {}).get(rule_name) or []
    return any(re.search(pattern, column) for pattern in patterns)


def library_schema(library: str) -> str:
    """A library's name as dq tables and `govdata publish` use it: its schema, `lib_population`
    (`population` is accepted too)."""
    return library if library.startswith(LIBRARY_SCHEMA_PREFIX) else LIBRARY_SCHEMA_PREFIX + library


def quote(name: str) -> str:
    """A DuckDB identifier, quoted."""
    return '"' + name.replace('"', '""') + '"'
