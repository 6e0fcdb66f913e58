"""Every library table is a documented catalog resource: its YAML entry enforces a contract,
carries the catalog fields of the 2017 catalog guideline in `meta.catalog` (the single source
the catalog is generated from), documents every column with its type and sensitivity, and has
data tests. Read from the YAML files, so it needs no warehouse."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

MARTS = Path(__file__).resolve().parents[2] / "dbt_project" / "models" / "marts"
# The catalog fields in meta.catalog (their values are checked by the catalog's rules:
# tests/catalog/test_rules.py); the code is derived from classification + sequence.
CATALOG_FIELDS = {
    "resource_name", "classification", "sequence", "provider", "format", "update_cycle",
    "sharing_type", "sharing_method", "open_attribute", "related",
}
FORMATS = {"电子文件", "电子表格", "数据库", "图形图像", "流媒体", "自描述格式", "服务接口"}
UPDATE_CYCLES = {"实时", "每日", "每周", "每月", "每季度", "每年"}
SHARING_TYPES = {"无条件共享", "有条件共享", "不予共享"}
OPEN_ATTRIBUTES = {"无条件开放", "有条件开放", "不予开放"}
SENSITIVITIES = {"public", "internal", "personal", "sensitive"}


def _models() -> list[tuple[Path, dict[str, Any]]]:
    found = []
    for path in sorted(MARTS.glob("*/_*__models.yml")):
        for model in yaml.safe_load(path.read_text(encoding="utf-8"))["models"]:
            found.append((path, model))
    return found


MODELS = _models()


def test_every_mart_sql_has_a_yaml_entry() -> None:
    documented = {model["name"] for _, model in MODELS}
    sql = {path.stem for path in MARTS.glob("*/*.sql")}
    assert sql == documented
    assert len(sql) >= 20


@pytest.mark.parametrize(("path", "model"), MODELS, ids=[m["name"] for _, m in MODELS])
def test_mart_is_a_catalog_resource_with_an_enforced_contract(path: Path, model: dict[str, Any]) -> None:
    config = model["config"]
    assert config["schema"] == f"lib_{path.parent.name}"
    assert config["contract"]["enforced"] is True
    catalog = config["meta"]["catalog"]
    assert CATALOG_FIELDS <= set(catalog), CATALOG_FIELDS - set(catalog)
    assert re.fullmatch(r"(基础|主题)信息资源/[^/]+/[^/]+", catalog["classification"])
    assert isinstance(catalog["sequence"], int)
    assert catalog["format"] in FORMATS
    assert catalog["update_cycle"] in UPDATE_CYCLES
    assert catalog["sharing_type"] in SHARING_TYPES
    assert catalog["open_attribute"] in OPEN_ATTRIBUTES
    assert "Grain" in model["description"]
    assert model.get("data_tests"), "a mart needs model-level data tests (at least not_empty)"


@pytest.mark.parametrize(("path", "model"), MODELS, ids=[m["name"] for _, m in MODELS])
def test_every_column_has_type_description_and_sensitivity(path: Path, model: dict[str, Any]) -> None:
    columns = model["columns"]
    assert columns
    for column in columns:
        assert column.get("data_type"), column["name"]
        assert column.get("description"), column["name"]
        assert column.get("meta", {}).get("sensitivity") in SENSITIVITIES, column["name"]
    # the key (first column) is never null
    first = columns[0]
    assert {"type": "not_null"} in first.get("constraints", []), f"{model['name']}.{first['name']}"


def test_resources_are_unique_and_related_resources_exist() -> None:
    keys = [(m["config"]["meta"]["catalog"]["classification"], m["config"]["meta"]["catalog"]["sequence"])
            for _, m in MODELS]
    assert len(keys) == len(set(keys))
    tables = {f"{m['config']['schema']}.{m['name']}" for _, m in MODELS}
    for _, model in MODELS:
        for related in model["config"]["meta"]["catalog"]["related"]:
            assert related in tables, f"{model['name']} relates to unknown {related}"
