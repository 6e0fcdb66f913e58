"""The project's open datasets as declared (no warehouse needed): every model of
models/open_data is a catalog resource the rules accept, of a grain that may be opened, with
its suppression and geometry naming real columns, and no personal column but publicity fields."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from pipelines.catalog import all_specs, check
from pipelines.catalog.sources import department_names, open_data_specs
from pipelines.open_data.datasets import OPEN_GRAINS, load_datasets
from pipelines.open_data.scanner import is_publicity_field
from pipelines.settings import load_settings

FOLDER = Path(__file__).resolve().parents[2] / "dbt_project" / "models" / "open_data"
DATASETS = load_datasets(FOLDER, {s.table: s for s in open_data_specs(FOLDER)})


def test_every_open_data_model_is_declared_and_the_catalog_accepts_them() -> None:
    sql = {p.stem for p in FOLDER.glob("*.sql")}
    assert sql == {d.table.split(".")[1] for d in DATASETS}
    assert len(sql) >= 12
    settings = load_settings()
    specs = all_specs()
    assert check(specs, department_names(), settings.county.departments) == []
    themes = {d.theme for d in DATASETS}
    assert {"地理信息", "经济统计", "市场主体", "资格资质", "行政管理", "公共服务", "人口"} <= themes
    ids = [d.id for d in DATASETS]
    assert len(set(ids)) == len(ids) and all("/" not in i for i in ids)


@pytest.mark.parametrize("dataset", DATASETS, ids=[d.id for d in DATASETS])
def test_each_dataset_can_be_released(dataset) -> None:
    names = {c.name for c in dataset.columns}
    assert dataset.grain in OPEN_GRAINS
    assert dataset.spec.open_attribute in ("无条件开放", "有条件开放")
    assert dataset.libraries or dataset.spec.related  # its sources are named (gates, lineage)
    for column in dataset.columns:
        assert column.definition and column.name_zh
        if column.sensitivity in ("personal", "sensitive"):
            assert is_publicity_field(column.name_zh), column.name
    if dataset.grain == "aggregate":
        assert dataset.suppression and dataset.suppression.counts
    if dataset.suppression:
        rule = dataset.suppression
        used = set(rule.counts) | {c for t, ps in rule.sums for c in (t, *ps)} | set(rule.derived)
        used |= {c for cs in rule.derived.values() for c in cs} | ({rule.total_row} if rule.total_row else set())
        assert used <= names, used - names
    assert set(dataset.geometry.values()) <= names
    model = next(m for m in yaml.safe_load((FOLDER / "_open_data__models.yml").read_text("utf-8"))["models"]
                 if m["name"] == dataset.table.split(".")[1])
    assert model["config"]["contract"]["enforced"] is True and "Grain" in model["description"]
