"""The catalog's rules: the project's own sources pass them, and each rule fails once on a
crafted contract, naming the resource and the field."""

from __future__ import annotations

import pytest

from pipelines.catalog.rules import CatalogError, check
from pipelines.catalog.sources import all_specs, contract_spec, department_names
from pipelines.contracts import get_contract
from pipelines.contracts.schema import ItemSharing, Sharing, SharingType
from pipelines.settings import Settings

BASE = "gongan__residence_permit"


def test_the_project_catalog_passes_every_rule(tmp_settings: Settings) -> None:
    specs = all_specs()
    assert check(specs, department_names(), tmp_settings.county.departments) == []
    # every lib_* mart and every department source table is a resource, each with a unique code
    assert {s.table for s in specs} >= {"lib_population.person", "raw.gongan__household_register"}
    assert len({s.code for s in specs}) == len(specs)


def _sharing(**changes: object) -> Sharing:
    base = get_contract(BASE).sharing
    assert base is not None
    return base.model_copy(update=changes)


def _crafted(**changes: object):
    return get_contract(BASE).model_copy(update=changes)


CASES = [
    ("有条件 has a condition", {"sharing": _sharing(condition="")}, None, "共享条件 is missing"),
    ("不予 cites its basis", {"sharing": _sharing(sharing_type=SharingType.NOT_SHARED, condition="内部使用")},
     None, "不予共享 must cite its legal or policy basis"),
    ("an item's 不予 cites its basis",
     {"sharing": _sharing(items={"phone": ItemSharing(sharing_type=SharingType.NOT_SHARED, condition="敏感")})},
     None, "item phone: 不予共享 must cite"),
    ("codes unique", {"sharing": _sharing(sequence=1)}, None, "is not unique"),
    ("every item has a length", {"columns": tuple(
        c.model_copy(update={"max_length": None}) if c.name == "issuer" else c
        for c in get_contract(BASE).columns)}, None, "item issuer: 数据长度 is missing"),
    ("items match the warehouse", {}, ["居住证编号", "姓名"], "not in the warehouse table"),
    ("no sharing attributes", {"sharing": None}, None, "共享类型 None"),
    ("an override names a column", {"sharing": _sharing(items={"salary": ItemSharing(sharing_type=SharingType.CONDITIONAL)})},
     None, "item salary: its own 共享类型 is declared but the resource has no such column"),
]


@pytest.mark.parametrize(("rule", "changes", "warehouse", "message"), CASES, ids=[c[0] for c in CASES])
def test_each_rule_fails_naming_the_resource_and_field(
    tmp_settings: Settings, rule: str, changes: dict, warehouse: list[str] | None, message: str
) -> None:
    crafted = contract_spec(_crafted(**changes))
    others = [s for s in all_specs() if s.table != crafted.table]
    columns = None if warehouse is None else {crafted.table: warehouse}
    violations = check([*others, crafted], department_names(), tmp_settings.county.departments, columns)
    assert violations, rule
    assert any(message in v for v in violations), violations
    assert all("residence_permit" in v or "居住证" in v or "信息资源代码" in v for v in violations), violations
    assert "raw.gongan__residence_permit" in str(CatalogError(violations))


def test_a_provider_without_a_credit_code_is_named(tmp_settings: Settings) -> None:
    codes = {k: v for k, v in tmp_settings.county.departments.items() if k != "gongan"}
    violations = check(all_specs(), department_names(), codes)
    assert violations and all("提供方代码 of 'gongan'" in v for v in violations)


def test_every_library_column_has_its_chinese_name_first_in_dbt_docs() -> None:
    """dbt docs (`make dbt-docs`) show a column's description: for every catalogued library column
    it starts with the 信息项名称 the catalog uses."""
    import re

    for spec in all_specs():
        if spec.table.startswith("lib_"):
            for item in spec.items:
                assert re.search(r"[\u4e00-\u9fff]", item.name_zh), f"{spec.table}.{item.name}: {item.name_zh!r}"


def test_score_dimensions_are_the_quality_checks_dimensions() -> None:
    from pipelines.catalog.template import DIMENSIONS
    from pipelines.quality.declarations import DIMENSIONS as CHECKED

    assert DIMENSIONS == CHECKED


def test_publish_refuses_a_catalog_that_breaks_its_rules_and_shares_nothing(tmp_settings: Settings) -> None:
    import duckdb

    from pipelines.publish import catalog_and_share

    con = duckdb.connect()
    con.execute("create schema raw")
    con.execute('create table raw.gongan__residence_permit ("居住证编号" varchar, "签发机关" varchar)')
    outcome = catalog_and_share(con, tmp_settings, "run-x")
    assert outcome["catalog"].startswith("refused: 1 rule(s) broken: raw.gongan__residence_permit")
    assert outcome["share"].startswith("skipped")
    assert not tmp_settings.catalog_path.exists()
