"""The catalog's rules, checked on every build: a violation names the resource and the field.

- every field takes a value from the template's list (共享类型, 共享方式, 开放属性, 更新周期,
  信息资源格式), the classification is in the one table, the provider has a credit code;
- 有条件共享 (of a resource or an item) states its 共享条件; 不予共享 cites its legal or policy basis
  (a law or regulation by title in 《》, a document number 〔2019〕, or an article 第八条);
- 信息资源代码 are unique; related resources exist;
- every item has a 数据类型 and a 数据长度, and an item's own 共享类型 is stricter than its
  resource's (a looser one would have no effect);
- the items match the warehouse's columns (where the table exists).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping, Sequence

from pipelines.catalog.errors import CatalogError
from pipelines.catalog.sources import ResourceSpec
from pipelines.catalog.template import (
    DATA_TYPE_CODES,
    FORMAT_CLASSES,
    OPEN_ATTRIBUTES,
    SHARING_METHODS,
    SHARING_TYPES,
    UPDATE_CYCLES,
)
from pipelines.contracts.schema import SharingType
from pipelines.standards.credit_code import is_valid_credit_code

__all__ = ["BASIS", "CatalogError", "check"]

BASIS = re.compile(r"《[^》]+》|〔\d{4}〕|第[一二三四五六七八九十百零〇\d]+条")


def _in(value: object, allowed: Sequence[str]) -> bool:
    return isinstance(value, str) and value in allowed


def _sharing(where: str, field: str, kind: object, condition: str, allowed_empty: bool = False) -> list[str]:
    out = []
    if kind is None and allowed_empty:
        return out
    if not _in(kind, SHARING_TYPES):
        return [f"{where}: 共享类型 {kind!r} is not one of {'/'.join(SHARING_TYPES)} ({field})"]
    if kind == SharingType.CONDITIONAL and not condition.strip():
        out.append(f"{where}: 共享条件 is missing: 有条件共享 must say who may receive it and for what ({field})")
    if kind == SharingType.NOT_SHARED and not BASIS.search(condition or ""):
        out.append(f"{where}: 不予共享 must cite its legal or policy basis (《...》, 〔year〕 or 第N条) in 共享条件 ({field})")
    return out


def check(
    specs: Sequence[ResourceSpec],
    departments: Mapping[str, str],
    credit_codes: Mapping[str, str],
    warehouse_columns: Mapping[str, Sequence[str]] | None = None,
) -> list[str]:
    """Every violation of the catalog's rules, each naming the resource and the field.

    Args:
        specs: the resources as their sources declare them.
        departments: department code -> Chinese name (from the contracts).
        credit_codes: department code -> unified social credit code (county profile).
        warehouse_columns: qualified table -> its columns, for the tables that exist (lineage
            columns starting with `_` are not items); None skips the check (no warehouse).
    """
    violations: list[str] = []
    tables = {s.table for s in specs}
    for spec in specs:
        where = spec.label
        if not spec.name:
            violations.append(f"{where}: 信息资源名称 is missing ({spec.origin})")
        if spec.classification_code is None:
            violations.append(
                f"{where}: 信息资源分类 {spec.category}/{spec.subject}/{spec.topic} is not in "
                f"pipelines/catalog/classification.py ({spec.origin})")
        if spec.sequence is None:
            violations.append(f"{where}: 顺序码 (sequence) is missing ({spec.origin})")
        if spec.provider not in departments:
            violations.append(f"{where}: 信息资源提供方 {spec.provider!r} is not a department of the contracts ({spec.origin})")
        code = credit_codes.get(spec.provider)
        if not code or not is_valid_credit_code(code):
            violations.append(f"{where}: 提供方代码 of {spec.provider!r} is missing or not a valid unified social "
                              "credit code (county profile: county.departments)")
        if not spec.summary.strip():
            violations.append(f"{where}: 信息资源摘要 is missing ({spec.origin})")
        if not _in(spec.format_class, FORMAT_CLASSES):
            violations.append(f"{where}: 信息资源格式 {spec.format_class!r} is not one of {'/'.join(FORMAT_CLASSES)}")
        violations += _sharing(where, spec.origin, spec.sharing_type, spec.sharing_condition)
        if not _in(spec.sharing_method, SHARING_METHODS):
            violations.append(f"{where}: 共享方式 {spec.sharing_method!r} is not one of {'/'.join(SHARING_METHODS)}")
        if not _in(spec.open_attribute, OPEN_ATTRIBUTES):
            violations.append(f"{where}: 开放属性 {spec.open_attribute!r} is not one of {'/'.join(OPEN_ATTRIBUTES)}")
        elif spec.open_attribute == "有条件开放" and not spec.open_condition.strip():
            violations.append(f"{where}: 开放条件 is missing: 有条件开放 must state it")
        if not _in(spec.update_cycle, UPDATE_CYCLES):
            violations.append(f"{where}: 更新周期 {spec.update_cycle!r} is not one of {'/'.join(UPDATE_CYCLES)}")
        for related in spec.related:
            if related not in tables:
                violations.append(f"{where}: 关联资源代码: {related!r} is not a catalogued resource")
        for name in spec.unknown_overrides:
            violations.append(f"{where}: item {name}: its own 共享类型 is declared but the resource has no such column")
        if not spec.items:
            violations.append(f"{where}: 信息项 none: a resource lists its items")
        rank = SharingType(spec.sharing_type).rank if _in(spec.sharing_type, SHARING_TYPES) else 0
        for item in spec.items:
            at = f"{where} item {item.name}"
            if not item.name_zh.strip():
                violations.append(f"{at}: 信息项名称 is missing (a mart column's description starts with it)")
            if item.data_type not in DATA_TYPE_CODES:
                violations.append(f"{at}: 数据类型 is missing or not a template code ({item.data_type!r})")
            if not item.length or item.length <= 0:
                violations.append(f"{at}: 数据长度 is missing")
            violations += _sharing(at, "item", item.sharing_type, item.sharing_condition, allowed_empty=True)
            if _in(item.sharing_type, SHARING_TYPES) and rank and SharingType(item.sharing_type).rank <= rank:
                violations.append(f"{at}: 共享类型 {item.sharing_type} is not stricter than the resource's "
                                  f"{spec.sharing_type} (an item's own type only restricts)")
            if item.open_attribute is not None and not _in(item.open_attribute, OPEN_ATTRIBUTES):
                violations.append(f"{at}: 开放属性 {item.open_attribute!r} is not one of {'/'.join(OPEN_ATTRIBUTES)}")
        if warehouse_columns is not None and spec.table in warehouse_columns:
            actual = [c for c in warehouse_columns[spec.table] if not c.startswith("_")]
            declared = [i.warehouse_column for i in spec.items]
            missing = [c for c in declared if c not in actual]
            extra = [c for c in actual if c not in declared]
            if missing:
                violations.append(f"{where}: 信息项 {', '.join(missing)} not in the warehouse table")
            if extra:
                violations.append(f"{where}: warehouse columns {', '.join(extra)} are not catalogued as 信息项")
    counts = Counter(s.code for s in specs if s.code is not None)
    for code, n in sorted(counts.items()):
        if n > 1:
            holders = ", ".join(s.table for s in specs if s.code == code)
            violations.append(f"信息资源代码 {code} is not unique: {holders}")
    return violations
