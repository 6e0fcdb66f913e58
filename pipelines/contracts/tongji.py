"""Statistics bureau (县统计局): township and county indicators by period, as reported."""

from pipelines.contracts.schema import (
    Column,
    ColumnType,
    DeliveryMode,
    Sensitivity,
    SourceContract,
    UpdateCycle,
)
from pipelines.contracts.schema import ItemSharing, OpenAttribute, Sharing, SharingType  # noqa: F401 - catalog attributes

T = ColumnType
PUBLIC, INTERNAL, PERSONAL, SENSITIVE = (
    Sensitivity.PUBLIC, Sensitivity.INTERNAL, Sensitivity.PERSONAL, Sensitivity.SENSITIVE)

DEPT, DEPT_ZH = "tongji", "县统计局"


def _c(name: str, zh: str, t: ColumnType = T.TEXT, *, req: bool = False, n: int = 50,
       s: Sensitivity = INTERNAL, aliases: tuple[str, ...] = (), d: str = "") -> Column:
    return Column(name=name, name_zh=zh, type=t, required=req, max_length=n, sensitivity=s,
                  aliases=aliases, description=d)


INDICATOR = SourceContract(
    department=DEPT, department_zh=DEPT_ZH, table="indicator", table_zh="主要统计指标",
    sharing=Sharing(sequence=1, sharing_type=SharingType.UNCONDITIONAL, open_attribute=OpenAttribute.OPEN, open_condition="统计局发布后开放"),
    description="乡镇（街道）和全区主要指标，按期上报 (one row per area, indicator and period)",
    file_pattern=r"^主要统计指标.*\.xlsx$", format="xlsx", sheets=("乡镇（街道）", "全区"),
    delivery_mode=DeliveryMode.INCREMENTAL, update_cycle=UpdateCycle.MONTHLY,
    key=("division_code", "indicator", "period"),
    columns=(
        _c("division_code", "区划代码", T.DIVISION_CODE, req=True, n=12, s=PUBLIC),
        _c("division_name", "区划名称", n=50, s=PUBLIC),
        _c("indicator", "指标名称", req=True, n=100, s=PUBLIC),
        _c("period", "统计期", req=True, n=30, s=PUBLIC, d="2026年1-6月 / 2026年末"),
        _c("unit", "计量单位", n=10, s=PUBLIC),
        _c("value", "指标值", T.DECIMAL, req=True, n=30, s=PUBLIC),
        _c("source", "数据来源", n=50, s=PUBLIC),
    ),
)

CONTRACTS = [INDICATOR]
