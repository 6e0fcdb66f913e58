"""The national catalog template (政务信息资源目录编制指南（试行）, 发改高技〔2017〕1272号): its
fields in order, its value lists and codes. Everything the catalog writes takes its names from
here, so the table columns, the workbook's headers and the DCAT export agree."""

from __future__ import annotations

from pipelines.contracts.schema import ColumnType, OpenAttribute, SharingMethod, SharingType, UpdateCycle

# Resource fields in the template's order: (group header, header). The group header is the
# first header row of the workbook (merged over its fields); the header is the second row and
# the column name in catalog.resources.
RESOURCE_FIELDS: tuple[tuple[str, str], ...] = (
    ("信息资源分类", "类"),
    ("信息资源分类", "项"),
    ("信息资源分类", "目"),
    ("信息资源名称", "信息资源名称"),
    ("信息资源代码", "信息资源代码"),
    ("信息资源提供方", "信息资源提供方"),
    ("提供方代码", "提供方代码"),
    ("信息资源摘要", "信息资源摘要"),
    ("信息资源格式", "信息资源格式分类"),
    ("信息资源格式", "信息资源格式类型"),
    ("共享属性", "共享类型"),
    ("共享属性", "共享条件"),
    ("共享属性", "共享方式"),
    ("开放属性", "是否向社会开放"),
    ("开放属性", "开放条件"),
    ("更新周期", "更新周期"),
    ("发布日期", "发布日期"),
    ("关联资源代码", "关联资源代码"),
)
# What the warehouse knows beside the template (after its fields, under one group header).
WAREHOUSE_GROUP = "数据仓库信息"
# GB/T 36344 dimensions as the checks name them (pipelines.quality.declarations, a heavy import;
# a test keeps the two equal)
DIMENSIONS = ("规范性", "完整性", "准确性", "一致性", "时效性", "可访问性")
WAREHOUSE_FIELDS: tuple[str, ...] = ("数据表", "记录数", "最近交付日期", *(f"{d}得分" for d in DIMENSIONS))

# Item fields (信息项信息) in order, after the resource they belong to.
ITEM_FIELDS: tuple[tuple[str, str], ...] = (
    ("信息资源", "信息资源代码"),
    ("信息资源", "信息资源名称"),
    ("信息项信息", "序号"),
    ("信息项信息", "信息项名称"),
    ("信息项信息", "英文名称"),
    ("信息项信息", "数据类型"),
    ("信息项信息", "数据长度"),
    ("信息项信息", "敏感级别"),
    ("信息项信息", "共享类型"),
    ("信息项信息", "共享条件"),
    ("信息项信息", "开放属性"),
)

FORMAT_CLASSES = ("电子文件", "电子表格", "数据库", "图形图像", "流媒体", "自描述格式", "服务接口")
SHARING_TYPES = tuple(t.value for t in SharingType)
SHARING_METHODS = tuple(m.value for m in SharingMethod)
OPEN_ATTRIBUTES = tuple(o.value for o in OpenAttribute)
UPDATE_CYCLES = tuple(c.name_zh for c in UpdateCycle)

# 数据类型 codes: 字符型C, 数值型N, 货币型Y, 日期型D, 日期时间型T, 逻辑型L, 备注型M, 通用型G,
# 双精度型B, 整型I, 浮点型F.
DATA_TYPE_CODES = ("C", "N", "Y", "D", "T", "L", "M", "G", "B", "I", "F")
_CONTRACT_TYPE_CODES = {
    ColumnType.INTEGER: "I",
    ColumnType.DECIMAL: "N",
    ColumnType.AMOUNT: "Y",
    ColumnType.DATE: "D",
    ColumnType.TIMESTAMP: "T",
    ColumnType.BOOLEAN: "L",
    ColumnType.GEOMETRY: "G",
    ColumnType.JSON: "M",
}


def contract_type_code(column_type: ColumnType) -> str:
    """The template's 数据类型 of a contract column (codes and text are 字符型 C)."""
    return _CONTRACT_TYPE_CODES.get(column_type, "C")


def warehouse_type_code(data_type: str | None) -> str | None:
    """The template's 数据类型 of a DuckDB/dbt column type; None when it has none."""
    if not data_type:
        return None
    text = data_type.strip().lower()
    if text.startswith(("varchar", "text", "string", "char")):
        return "C"
    if text.startswith(("bigint", "integer", "int", "smallint", "tinyint", "hugeint", "ubigint", "uinteger")):
        return "I"
    if text.startswith(("decimal", "numeric")):
        return "N"
    if text.startswith("double"):
        return "B"
    if text.startswith(("float", "real")):
        return "F"
    if text == "date":
        return "D"
    if text.startswith("timestamp"):
        return "T"
    if text.startswith("bool"):
        return "L"
    if text.startswith(("geometry", "blob", "json")):
        return "G"
    return None


def warehouse_type_length(data_type: str | None) -> int | None:
    """数据长度 implied by a fixed-size type (digits of an integer, precision of a decimal, a
    date's ten characters); text columns state theirs in `meta.length`."""
    if not data_type:
        return None
    text = data_type.strip().lower()
    if text.startswith(("decimal", "numeric")) and "(" in text:
        return int(text.split("(")[1].split(",")[0].rstrip(")"))
    return {
        "bigint": 19, "hugeint": 39, "integer": 10, "int": 10, "smallint": 5, "tinyint": 3,
        "double": 17, "float": 9, "real": 9, "date": 10, "timestamp": 19, "boolean": 1,
    }.get(text)


def format_type_of(file_format: str) -> tuple[str, str]:
    """信息资源格式 (class, type) of a department's delivered file format."""
    return {
        "csv": ("电子表格", "csv"),
        "xlsx": ("电子表格", "xlsx"),
        "xls": ("电子表格", "xls"),
        "json": ("自描述格式", "json"),
        "jsonl": ("自描述格式", "json"),
        "geojson": ("自描述格式", "geojson"),
    }.get(file_format, ("电子文件", file_format))
