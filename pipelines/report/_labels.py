"""Names the report shows: Chinese first, English after (display only; codes stay in the data)."""

from __future__ import annotations

from pipelines.contracts import all_contracts
from pipelines.quality.declarations import DIMENSION_EN, DIMENSIONS

LIBRARY_NAMES = {
    "lib_population": "人口库 population",
    "lib_legal_entity": "法人库 legal entities",
    "lib_spatial": "空间地理库 spatial geography",
    "lib_macro": "宏观经济库 macro-economy",
    "lib_credit": "公共信用库 public credit",
    "lib_elicense": "电子证照库 e-licences",
    "lib_decision": "决策支持库 decision support",
    "lib_systems": "信息系统库 information systems",
}
SEVERITY_NAMES = {"high": "高 high", "medium": "中 medium", "low": "低 low", "lead": "线索 lead"}
SEVERITY_ORDER = ("high", "medium", "low", "lead")
STATUS_NAMES = {"new": "新发现 new", "open": "未关闭 open", "closed": "已关闭 closed"}
DISPOSITION_NAMES = {"confirmed": "属实 confirmed", "explained": "已说明 explained", "false_alarm": "误报 false alarm"}
CHECK_SEVERITY_NAMES = {"error": "错误 error", "warn": "警告 warn"}
FILE_STATUS_NAMES = {
    "loaded": "已入库 loaded",
    "replaced": "已入库（替换前版） loaded, replacing an earlier file",
    "superseded": "被替代 superseded by a later file",
    "duplicate": "重复 duplicate",
    "deferred": "暂缓 deferred",
    "rejected": "拒收 rejected",
}
STAGE_NAMES = {
    "generate": "生成样例 generate",
    "ingest": "接入 ingest",
    "stage": "标准化 stage",
    "check_staging": "检查（标准化数据） check staging",
    "resolve": "实体解析 resolve",
    "build": "建库 build",
    "check_libraries": "检查（基础库） check libraries",
    "findings": "发现 findings",
    "publish": "发布 publish",
}
DELIVERY_NAMES = {"on_time": "按期 on time", "late": "迟交 late", "missing": "缺交 missing"}


def dimension_label(dimension: str) -> str:
    return f"{dimension} {DIMENSION_EN.get(dimension, '')}".strip()


def dimensions() -> tuple[str, ...]:
    """The six GB/T 36344 dimensions in the standard's order."""
    return DIMENSIONS


def department_names() -> dict[str, str]:
    """Department code -> Chinese name, from the source contracts."""
    return {c.department: c.department_zh for c in sorted(all_contracts(), key=lambda c: c.source)}


def department_label(code: str | None) -> str:
    if not code:
        return "—"
    name = department_names().get(code)
    return f"{name} {code}" if name else code


def library_label(schema: str | None) -> str:
    if not schema:
        return "—"
    return LIBRARY_NAMES.get(schema, schema)


def template_labels() -> dict[str, dict[str, str]]:
    """The labels the templates show, by kind."""
    return {
        "severity": SEVERITY_NAMES,
        "check_severity": CHECK_SEVERITY_NAMES,
        "file_status": FILE_STATUS_NAMES,
        "delivery": DELIVERY_NAMES,
        "stage": STAGE_NAMES,
    }
