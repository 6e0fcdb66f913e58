"""The check declarations of `expectations/`: rules (declared once, with their GB/T 36344 meta and
threshold) and where they apply, turned into suites the runner validates.

Staging suites are generated from the source contracts (required columns get the completeness
rule, ID-number columns the GB 11643 rule, ...), so a new contract is checked without a new
declaration; library suites come from `libraries.yaml` and the dbt model YAML of each table.
Nothing here imports Great Expectations: the gate and `govdata publish` read declarations too.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from pipelines.contracts import SourceContract, all_contracts
from pipelines.errors import GovdataError
from pipelines.settings import Settings

DIMENSIONS = ("规范性", "完整性", "准确性", "一致性", "时效性", "可访问性")
DIMENSION_EN = {
    "规范性": "normativity",
    "完整性": "completeness",
    "准确性": "accuracy",
    "一致性": "consistency",
    "时效性": "timeliness",
    "可访问性": "accessibility",
}
# GB/T 36344-2018 indicators of each dimension (English names of the table in standards.md).
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
    "时效性": (
        "correct for a period",
        "timely at a point in time",
        "correct order in time",
    ),
    "可访问性": ("accessible", "usable"),
}
SEVERITIES = ("error", "warn")
LIBRARY_SCHEMA_PREFIX = "lib_"


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
            "mostly": self.mostly,
            "reason": self.reason,
        }


@dataclass(frozen=True)
class Check:
    """A rule applied to one place: a suite, its column(s) and the expectation's arguments."""

    check_id: str
    rule: Rule
    column: str | None
    kwargs: dict[str, Any]
    columns: tuple[str, ...] = ()  # every column the check reads (for failure values)


@dataclass(frozen=True)
class ColumnInfo:
    """What the runner needs about a checked column: its sensitivity and masking kind."""

    name: str
    sensitivity: str
    kind: str | None = None


@dataclass(frozen=True)
class Suite:
    """One suite: a table (or a derived frame) and the checks run on it."""

    name: str
    stage: str  # "staging" | "libraries"
    table: str  # what dq.results names: the qualified table or the derived check's name
    query: str  # SQL giving the frame to validate
    index_column: str  # identifies a row in dq.failures (row_id for staging)
    key: tuple[str, ...]  # chunks never split rows sharing these
    checks: tuple[Check, ...]
    columns: dict[str, ColumnInfo]
    department: str | None = None
    library: str | None = None
    source: str | None = None
    lineage: bool = True  # the frame carries source_file / source_line / department


def expectations_dir(settings: Settings) -> Path:
    """The `expectations/` folder of the project the settings point at."""
    return settings.root / "expectations"


def _read_yaml(path: Path) -> dict[str, Any]:
    if not path.exists():
        raise DeclarationError(f"{path}: check declarations missing")
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    if not isinstance(data, dict):
        raise DeclarationError(f"{path}: expected a mapping at the top level")
    return data


@lru_cache(maxsize=8)
def _load_rules(folder: Path) -> dict[str, Rule]:
    path = folder / "rules.yaml"
    raw = _read_yaml(path).get("rules") or {}
    rules: dict[str, Rule] = {}
    for name, spec in raw.items():
        where = f"{path}: rule {name}"
        missing = {"expectation", "dimension", "indicator", "severity", "mostly", "reason"} - set(spec)
        if missing:
            raise DeclarationError(f"{where}: missing {sorted(missing)}")
        if spec["dimension"] not in DIMENSIONS:
            raise DeclarationError(f"{where}: dimension {spec['dimension']!r} is not one of {DIMENSIONS}")
        if spec["indicator"] not in INDICATORS[spec["dimension"]]:
            raise DeclarationError(
                f"{where}: indicator {spec['indicator']!r} is not one of {INDICATORS[spec['dimension']]}"
            )
        if spec["severity"] not in SEVERITIES:
            raise DeclarationError(f"{where}: severity {spec['severity']!r} is not one of {SEVERITIES}")
        mostly = float(spec["mostly"])
        if not 0.0 <= mostly <= 1.0:
            raise DeclarationError(f"{where}: mostly {mostly} is not between 0 and 1")
        rules[name] = Rule(
            name=name,
            expectation=spec["expectation"],
            dimension=spec["dimension"],
            indicator=spec["indicator"],
            severity=spec["severity"],
            mostly=mostly,
            reason=str(spec["reason"]).strip(),
            kwargs=dict(spec.get("kwargs") or {}),
        )
    return rules


def load_rules(settings: Settings) -> dict[str, Rule]:
    """Every declared rule by name (`expectations/rules.yaml`)."""
    return _load_rules(expectations_dir(settings))


def _rule(rules: dict[str, Rule], name: str, where: str) -> Rule:
    if name not in rules:
        raise DeclarationError(f"{where}: unknown rule {name!r} (declare it in expectations/rules.yaml)")
    return rules[name]


def _runtime_kwargs(rule: Rule, settings: Settings) -> dict[str, Any]:
    """Arguments every expectation of a rule needs from the settings (as-of date, county)."""
    kwargs = dict(rule.kwargs)
    if rule.expectation in RUNTIME_ARGUMENTS:
        for argument in RUNTIME_ARGUMENTS[rule.expectation]:
            kwargs[argument] = _setting_argument(argument, settings)
    return kwargs


def _setting_argument(argument: str, settings: Settings) -> Any:
    if argument == "as_of":
        return settings.as_of.isoformat()
    if argument == "county":
        return settings.county.model_dump(mode="json")
    raise DeclarationError(f"no setting for expectation argument {argument!r}")


# Expectation arguments taken from the settings rather than declared (the run's as-of date, the
# county profile): custom expectations list them here.
RUNTIME_ARGUMENTS: dict[str, tuple[str, ...]] = {
    "expect_column_values_to_be_valid_id_number": ("as_of",),
}


def _column_check(suite: str, rule: Rule, column: str, settings: Settings) -> Check:
    kwargs = {"column": column, "mostly": rule.mostly, **_runtime_kwargs(rule, settings)}
    return Check(
        check_id=f"{suite}:{rule.name}:{column}",
        rule=rule,
        column=column,
        kwargs=kwargs,
        columns=(column,),
    )


LINEAGE_COLUMNS = ("row_id", "batch_id", "source_file", "source_line", "delivery_date")


def staging_suite(contract: SourceContract, settings: Settings) -> Suite:
    """The suite of one staging model, generated from its contract and `staging.yaml`."""
    folder = expectations_dir(settings)
    declared = _read_yaml(folder / "staging.yaml")
    rules = load_rules(settings)
    name = f"stg_{contract.source}"
    where = f"{folder / 'staging.yaml'}"
    checks: list[Check] = []
    for column in contract.columns:
        names: list[str] = []
        if column.required:
            names.extend(declared.get("required") or [])
        names.extend((declared.get("by_type") or {}).get(column.type.value) or [])
        for rule_name in dict.fromkeys(names):
            checks.append(_column_check(name, _rule(rules, rule_name, where), column.name, settings))
    columns = {
        c.name: ColumnInfo(name=c.name, sensitivity=c.sensitivity.value, kind=_mask_kind(c))
        for c in contract.columns
    }
    return Suite(
        name=name,
        stage="staging",
        table=f"staging.{name}",
        query=f"select * from staging.{name} where is_current",
        index_column="row_id",
        key=contract.key,
        checks=tuple(checks),
        columns=columns,
        department=contract.department,
        source=contract.source,
    )


def _mask_kind(column: Any) -> str | None:
    from pipelines.standards.masking import column_mask_kind

    return column_mask_kind(column).value


def staging_suites(settings: Settings) -> list[Suite]:
    """One suite per staging model (per source contract), in source order."""
    return [staging_suite(contract, settings) for contract in all_contracts()]


def declared_libraries(settings: Settings) -> dict[str, dict[str, Any]]:
    """`libraries.yaml`: library name (without `lib_`) -> table -> declaration."""
    data = _read_yaml(expectations_dir(settings) / "libraries.yaml")
    return dict(data.get("libraries") or {})


def library_of_schema(schema: str) -> str:
    """`lib_population` -> `population`."""
    return schema.removeprefix(LIBRARY_SCHEMA_PREFIX)


def library_suites(settings: Settings) -> list[Suite]:
    """One suite per declared library table (`libraries.yaml`), columns documented by dbt."""
    from pipelines.quality.dbt_models import library_models

    rules = load_rules(settings)
    where = f"{expectations_dir(settings) / 'libraries.yaml'}"
    models = library_models(settings)
    suites = []
    for library, tables in declared_libraries(settings).items():
        for table, spec in (tables or {}).items():
            name = f"lib_{library}__{table}"
            qualified = f"{LIBRARY_SCHEMA_PREFIX}{library}.{table}"
            key = tuple(spec.get("key") or ())
            if not key:
                raise DeclarationError(f"{where}: {library}.{table} declares no key")
            checks = [
                _column_check(name, _rule(rules, rule_name, f"{where}: {library}.{table}"), column, settings)
                for column, rule_names in (spec.get("columns") or {}).items()
                for rule_name in rule_names
            ]
            model = models.get(table)
            documented = model.columns if model is not None else {}
            columns = {
                column: ColumnInfo(
                    name=column,
                    # undocumented columns are treated as personal: masked rather than leaked
                    sensitivity=(documented[column].sensitivity if column in documented else None)
                    or "personal",
                    kind=_library_mask_kind(column),
                )
                for column in {*documented, *(spec.get("columns") or {})}
            }
            key_sql = ", ".join(f'cast("{k}" as varchar)' for k in key)
            suites.append(
                Suite(
                    name=name,
                    stage="libraries",
                    table=qualified,
                    query=f"select *, concat_ws('|', {key_sql}) as _record_key from {qualified}",
                    index_column="_record_key",
                    key=key,
                    checks=tuple(checks),
                    columns=columns,
                    library=library,
                    lineage=False,
                )
            )
    return suites


def _library_mask_kind(column: str) -> str | None:
    """Masking kind of a library column, by the same naming rule the contracts' columns follow."""
    from pipelines.contracts.schema import Column
    from pipelines.standards.masking import column_mask_kind

    guessed = {
        "id_number": "id_number",
        "phone": "phone",
        "uscc": "credit_code",
        "credit_code": "credit_code",
        "org_code": "org_code",
    }
    if column in guessed:
        return guessed[column]
    return column_mask_kind(Column(name=column, name_zh=column)).value
