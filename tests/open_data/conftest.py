"""A crafted project for the release tests: three open datasets declared like the real ones
(an aggregate with suppression, organisations with a publicity field, places with points), the
library tables they name and a population library holding residents' names."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import duckdb
import pytest
import yaml

from pipelines.catalog import build_catalog
from pipelines.catalog.build import Catalog
from pipelines.catalog.sources import mart_specs, open_data_specs
from pipelines.open_data import publish_open_data
from pipelines.settings import Settings
from pipelines.warehouse import connect


def _column(name: str, data_type: str, zh: str, sensitivity: str = "public", **meta: Any) -> dict[str, Any]:
    meta = {"name_zh": zh, "sensitivity": sensitivity, **meta}
    if data_type == "varchar":
        meta.setdefault("length", 100)
    return {"name": name, "data_type": data_type, "description": f"{zh} the {name}", "meta": meta}


def _catalog(name: str, topic: str, provider: str, related: list[str], sequence: int = 1) -> dict[str, Any]:
    return {"resource_name": name, "classification": f"主题信息资源/开放数据/{topic}", "sequence": sequence,
            "provider": provider, "format": "数据库", "update_cycle": "每季度", "sharing_type": "无条件共享",
            "sharing_method": "共享平台方式", "open_attribute": "无条件开放", "related": related}


def models() -> list[dict[str, Any]]:
    return [
        {
            "name": "township_pop",
            "description": "各乡镇户籍人口（测试） Grain: one row per township and a total row.",
            "config": {"meta": {
                "catalog": _catalog("各乡镇户籍人口", "人口", "gongan", ["lib_population.person"]),
                "open": {"grain": "aggregate", "definition": "户籍人口 registered residents.",
                         "suppress": {"counts": ["population", "male", "female"],
                                      "sums": [{"total": "population", "parts": ["male", "female"]}],
                                      "total_row": "is_total"}},
            }},
            "columns": [
                _column("township_code", "varchar", "乡镇（街道）代码"),
                _column("township_name", "varchar", "乡镇（街道）名称"),
                _column("is_total", "boolean", "是否合计行"),
                _column("population", "bigint", "户籍人口", unit="人"),
                _column("male", "bigint", "男", unit="人"),
                _column("female", "bigint", "女", unit="人"),
            ],
        },
        {
            "name": "firm",
            "description": "市场主体（测试） Grain: one row per organisation.",
            "config": {"meta": {
                "catalog": _catalog("市场主体登记信息", "市场主体", "shichang", ["lib_legal_entity.organization"]),
                "open": {"grain": "organisation"},
            }},
            "columns": [
                _column("name", "varchar", "主体名称"),
                _column("uscc", "varchar", "统一社会信用代码"),
                _column("legal_rep", "varchar", "法定代表人", "personal"),
                _column("capital", "decimal(20,2)", "注册资本", unit="万元"),
            ],
        },
        {
            "name": "place",
            "description": "村级汇总（测试） Grain: one row per village.",
            "config": {"meta": {
                "catalog": _catalog("标准地址村级汇总", "地理信息", "minzheng", ["lib_spatial.standard_address"]),
                "open": {"grain": "place", "geometry": {"lon": "lon", "lat": "lat"}},
            }},
            "columns": [
                _column("village_code", "varchar", "村（社区）代码"),
                _column("village_name", "varchar", "村（社区）名称"),
                _column("lon", "double", "经度", unit="度"),
                _column("lat", "double", "纬度", unit="度"),
            ],
        },
    ]


TABLES = {
    "township_pop": """
        create or replace table open_data.township_pop as select * from (values
            ('371503001', '振兴街道', false, 1200, 610, 590),
            ('371503002', '信发街道', false, 400, 2, 398),
            ('371503003', '温陈街道', false, 82, 40, 42),
            ('371503', '全区合计', true, 1682, 652, 1030)
        ) t(township_code, township_name, is_total, population, male, female)""",
    "firm": """
        create or replace table open_data.firm as select * from (values
            ('茌平县信发化工有限公司', '91310110666007217T', '张伟', 1200.50::decimal(20,2)),
            ('=HYPERLINK("http://x")', '91350100M000100Y43', '李娜', 50.00::decimal(20,2))
        ) t(name, uscc, legal_rep, capital)""",
    "place": """
        create or replace table open_data.place as select * from (values
            ('371503001001', '新华社区', 116.2512345678::double, 36.5801234567::double),
            ('371503001201', '张庄村', 116.2601, 36.5902)
        ) t(village_code, village_name, lon, lat)""",
}


class Project:
    """The crafted project: its settings, YAML and warehouse."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.folder = settings.root / "dbt_project" / "models" / "open_data"
        self.models = models()
        self.write_yaml()
        with connect(settings) as con:
            con.execute("create schema if not exists open_data")
            con.execute("create schema if not exists lib_population")
            con.execute("create table lib_population.person as select * from (values "
                        "('张伟', '371503001'), ('李娜', '371503002'), ('王芳', '371503003')) t(name, township_code)")
            for sql in TABLES.values():
                con.execute(sql)

    def write_yaml(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        text = yaml.safe_dump({"version": 2, "models": self.models}, allow_unicode=True, sort_keys=False)
        (self.folder / "_open_data__models.yml").write_text(text, encoding="utf-8")

    def model(self, name: str) -> dict[str, Any]:
        return next(m for m in self.models if m["name"] == name)

    def catalog(self) -> Catalog:
        """The catalog of the crafted datasets and the project's marts (built on an empty
        connection: the crafted library tables are not the real ones)."""
        return build_catalog(duckdb.connect(), self.settings, [*open_data_specs(self.folder), *mart_specs()])

    def release(self, run_id: str = "run-1") -> dict[str, Any]:
        with connect(self.settings) as con:
            return publish_open_data(con, self.settings, run_id, self.catalog())

    def execute(self, sql: str) -> list[tuple]:
        with connect(self.settings) as con:
            return con.execute(sql).fetchall()


@pytest.fixture
def project(tmp_settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Project]:
    import pipelines.quality

    monkeypatch.setattr(pipelines.quality, "gate_status", lambda con, library, settings=None: True)
    settings = tmp_settings.model_copy(update={"root": tmp_path / "project"})
    yield Project(settings)


@pytest.fixture
def dataset_id() -> Callable[[str], str]:
    """A crafted dataset's id (its catalog code with / replaced by -)."""
    from pipelines.catalog.classification import classification_code

    topics = {"township_pop": "人口", "firm": "市场主体", "place": "地理信息"}
    return lambda model: f"{classification_code('主题信息资源', '开放数据', topics[model])}-00001"
