"""Big-data bureau (县大数据中心): ledger of the county's information systems and their access logs."""

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

DEPT, DEPT_ZH = "dashuju", "县大数据中心"


def _c(name: str, zh: str, t: ColumnType = T.TEXT, *, req: bool = False, n: int | None = 50,
       s: Sensitivity = INTERNAL, aliases: tuple[str, ...] = (), d: str = "") -> Column:
    return Column(name=name, name_zh=zh, type=t, required=req, max_length=n, sensitivity=s,
                  aliases=aliases, description=d)


SYSTEM_LEDGER = SourceContract(
    department=DEPT, department_zh=DEPT_ZH, table="information_system", table_zh="政务信息系统台账",
    sharing=Sharing(sequence=1, sharing_type=SharingType.UNCONDITIONAL, open_attribute=OpenAttribute.NOT_OPEN),
    description="全区政务信息系统台账，每年全量 (one row per system)",
    file_pattern=r"^信息系统台账.*\.xlsx$", format="xlsx", sheets=("系统台账",),
    delivery_mode=DeliveryMode.SNAPSHOT, update_cycle=UpdateCycle.YEARLY, key=("system_code",),
    parties=(Party(role="owner", kind="org", fields={"name": "owner", "uscc": "owner_uscc"}),),
    columns=(
        _c("system_code", "系统编号", req=True, n=20),
        _c("system_name", "系统名称", req=True, n=100),
        _c("owner", "建设单位", req=True, n=100, s=PUBLIC),
        _c("owner_uscc", "建设单位统一社会信用代码", T.CREDIT_CODE, n=20, s=PUBLIC),
        _c("operator", "运维单位", n=100),
        _c("launched", "上线日期", T.DATE, n=20),
        _c("deployment", "部署方式", T.CODE, n=20, d="政务云 / 本地机房"),
        _c("database", "数据库类型", n=30),
        _c("data_resources", "主要数据资源", n=500),
        _c("records", "数据量（条）", T.INTEGER, n=20),
        _c("protection_level", "等保级别", T.CODE, n=10),
        _c("status", "系统状态", T.CODE, n=10, d="在用 / 停用"),
        _c("annual_cost", "年运维费用（万元）", T.AMOUNT, n=20),
        _c("classified", "是否涉密", T.BOOLEAN, n=10,
           d="是 / 否; blank means not classified (a classified system never moves to the government cloud)"),
    ),
)

ACCESS_LOG = SourceContract(
    department=DEPT, department_zh=DEPT_ZH, table="access_log", table_zh="系统访问日志",
    sharing=Sharing(sequence=2, sharing_type=SharingType.NOT_SHARED, condition="《中华人民共和国网络安全法》第二十一条：网络日志仅供安全审计留存，不作共享", open_attribute=OpenAttribute.NOT_OPEN),
    description="各系统访问日志，按月汇交 (one row per logged access)",
    file_pattern=r"^访问日志.*\.csv$", format="csv", encoding="utf-8",
    delivery_mode=DeliveryMode.INCREMENTAL, update_cycle=UpdateCycle.MONTHLY, key=("log_id",),
    columns=(
        _c("log_id", "日志编号", req=True, n=30),
        _c("accessed_at", "访问时间", T.TIMESTAMP, req=True, n=30),
        _c("system_code", "系统编号", req=True, n=20),
        _c("account", "用户账号", n=50, s=PERSONAL),
        _c("action", "操作类型", T.CODE, n=10, d="登录 / 查询 / 导出 / 修改"),
        _c("ip", "来源IP", n=45),
        _c("result", "结果", T.CODE, n=10),
    ),
)

CONTRACTS = [SYSTEM_LEDGER, ACCESS_LOG]
