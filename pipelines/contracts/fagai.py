"""Development and reform bureau (县发展和改革局): fixed-asset investment projects."""

from pipelines.contracts.schema import (
    Column,
    ColumnType,
    DeliveryMode,
    Party,
    Sensitivity,
    SourceContract,
    UpdateCycle,
)
from pipelines.contracts.schema import ItemSharing, OpenAttribute, Sharing, SharingType  # noqa: F401 - catalog attributes

T = ColumnType
PUBLIC, INTERNAL, PERSONAL, SENSITIVE = (
    Sensitivity.PUBLIC, Sensitivity.INTERNAL, Sensitivity.PERSONAL, Sensitivity.SENSITIVE)

DEPT, DEPT_ZH = "fagai", "县发展和改革局"


def _c(name: str, zh: str, t: ColumnType = T.TEXT, *, req: bool = False, n: int = 50,
       s: Sensitivity = INTERNAL, aliases: tuple[str, ...] = (), d: str = "",
       event_of: tuple[str, ...] = (), not_before: tuple[str, ...] = ()) -> Column:
    return Column(name=name, name_zh=zh, type=t, required=req, max_length=n, sensitivity=s,
                  aliases=aliases, description=d, event_of=event_of, not_before=not_before)


INVESTMENT_PROJECT = SourceContract(
    department=DEPT, department_zh=DEPT_ZH, table="investment_project", table_zh="固定资产投资项目",
    sharing=Sharing(sequence=1, sharing_type=SharingType.UNCONDITIONAL, open_attribute=OpenAttribute.CONDITIONAL, open_condition="已公示的项目信息可开放"),
    description="在库固定资产投资项目，每季度全量 (one row per project)",
    file_pattern=r"^固定资产投资项目.*\.xlsx$", format="xlsx", sheets=("项目库",),
    delivery_mode=DeliveryMode.SNAPSHOT, update_cycle=UpdateCycle.QUARTERLY, key=("project_code",),
    parties=(Party(role="owner", kind="org", fields={"name": "owner", "uscc": "owner_uscc"}),),
    columns=(
        _c("project_code", "项目代码", req=True, n=30, s=PUBLIC),
        _c("project_name", "项目名称", req=True, n=200, s=PUBLIC),
        _c("owner", "项目单位", req=True, n=100, s=PUBLIC),
        _c("owner_uscc", "项目单位统一社会信用代码", T.CREDIT_CODE, n=20, s=PUBLIC),
        _c("location", "建设地点", n=200, s=PUBLIC),
        _c("township", "所属乡镇（街道）", n=50, s=PUBLIC),
        _c("total_investment", "总投资（万元）", T.AMOUNT, n=20, s=PUBLIC),
        _c("completed", "本年完成投资（万元）", T.AMOUNT, n=20, s=PUBLIC),
        _c("start_date", "开工日期", T.DATE, n=20, s=PUBLIC, event_of=("owner",)),
        _c("status", "项目状态", T.CODE, n=10, s=PUBLIC),
        _c("industry", "国民经济行业", n=50, s=PUBLIC),
    ),
)

CONTRACTS = [INVESTMENT_PROJECT]
