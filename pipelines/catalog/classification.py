"""The one table of the catalog's classification numbers (信息资源分类: 类/项/目).

分类码 = 类 (1 digit) + 项 (2) + 目 (3); 信息资源代码 = 分类码/顺序码. The 2017 guideline fixes the
three 类; the 2-digit numbers of the 基础 项 were not available offline (standards.md), so they
are decided here, once, and every code is derived from this table: the marts' `meta` and the
contracts name their classification, never its numbers.

部门信息资源 (类 3) are classified by providing department (项) with one 目, 业务信息.
"""

from __future__ import annotations

CATEGORIES: dict[str, str] = {"基础信息资源": "1", "主题信息资源": "2", "部门信息资源": "3"}

# (类 name, 项 name) -> 项 number
SUBJECTS: dict[tuple[str, str], str] = {
    ("基础信息资源", "人口"): "01",
    ("基础信息资源", "法人单位"): "02",
    ("基础信息资源", "自然资源和空间地理"): "03",
    ("基础信息资源", "社会信用"): "04",
    ("基础信息资源", "电子证照"): "05",
    ("主题信息资源", "宏观经济"): "01",
    ("主题信息资源", "决策支持"): "02",
    ("主题信息资源", "信息系统"): "03",
    ("主题信息资源", "开放数据"): "04",  # the open datasets (dbt models in schema open_data)
    # 部门信息资源: one 项 per department (its department code)
    ("部门信息资源", "dashuju"): "01",
    ("部门信息资源", "dzzz"): "02",
    ("部门信息资源", "fagai"): "03",
    ("部门信息资源", "gongan"): "04",
    ("部门信息资源", "gongdian"): "05",
    ("部门信息资源", "gongshui"): "06",
    ("部门信息资源", "jiaoyu"): "07",
    ("部门信息资源", "minzheng"): "08",
    ("部门信息资源", "renshe"): "09",
    ("部门信息资源", "shenpi"): "10",
    ("部门信息资源", "shichang"): "11",
    ("部门信息资源", "shuiwu"): "12",
    ("部门信息资源", "tongji"): "13",
    ("部门信息资源", "weijian"): "14",
    ("部门信息资源", "xinyong"): "15",
    ("部门信息资源", "zhifa"): "16",
    ("部门信息资源", "zhujian"): "17",
    ("部门信息资源", "ziranziyuan"): "18",
}

DEPARTMENT_TOPIC = "业务信息"

# (类 name, 项 name, 目 name) -> 目 number
TOPICS: dict[tuple[str, str, str], str] = {
    ("基础信息资源", "人口", "人口基本信息"): "001",
    ("基础信息资源", "人口", "人口变动信息"): "002",
    ("基础信息资源", "人口", "人口数据来源"): "003",
    ("基础信息资源", "法人单位", "法人基本信息"): "001",
    ("基础信息资源", "法人单位", "法人变动信息"): "002",
    ("基础信息资源", "法人单位", "法人数据来源"): "003",
    ("基础信息资源", "自然资源和空间地理", "行政区划"): "001",
    ("基础信息资源", "自然资源和空间地理", "地名地址"): "002",
    ("基础信息资源", "社会信用", "双公示信息"): "001",
    ("基础信息资源", "社会信用", "信用评价"): "002",
    ("基础信息资源", "电子证照", "证照信息"): "001",
    ("主题信息资源", "宏观经济", "统计指标"): "001",
    ("主题信息资源", "决策支持", "企业画像"): "001",
    ("主题信息资源", "决策支持", "人口结构"): "002",
    ("主题信息资源", "决策支持", "社会保障"): "003",
    ("主题信息资源", "决策支持", "税收与投资"): "004",
    ("主题信息资源", "决策支持", "住房使用"): "005",
    ("主题信息资源", "信息系统", "政务信息系统"): "001",
    # 开放数据: one 目 per field the plan names for opening (地理信息、道路交通、公共服务、经济统计、
    # 资格资质、环境保护、行政管理), plus 市场主体 and 人口 (aggregates only)
    ("主题信息资源", "开放数据", "地理信息"): "001",
    ("主题信息资源", "开放数据", "经济统计"): "002",
    ("主题信息资源", "开放数据", "市场主体"): "003",
    ("主题信息资源", "开放数据", "资格资质"): "004",
    ("主题信息资源", "开放数据", "行政管理"): "005",
    ("主题信息资源", "开放数据", "公共服务"): "006",
    ("主题信息资源", "开放数据", "人口"): "007",
    ("主题信息资源", "开放数据", "道路交通"): "008",
    ("主题信息资源", "开放数据", "环境保护"): "009",
}


def classification_code(category: str, subject: str, topic: str) -> str | None:
    """分类码 of a 类/项/目 path, or None when the table does not know it."""
    if category == "部门信息资源" and topic == DEPARTMENT_TOPIC:
        number = SUBJECTS.get((category, subject))
        return None if number is None else f"{CATEGORIES[category]}{number}001"
    c, s, t = CATEGORIES.get(category), SUBJECTS.get((category, subject)), TOPICS.get((category, subject, topic))
    return None if None in (c, s, t) else f"{c}{s}{t}"


def resource_code(classification: str | None, sequence: int | None) -> str | None:
    """信息资源代码 = 分类码/顺序码 (5 digits), or None when either part is missing."""
    if classification is None or sequence is None:
        return None
    return f"{classification}/{sequence:05d}"
