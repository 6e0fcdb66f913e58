"""Water supply company (县自来水公司): accounts and monthly consumption."""

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

DEPT, DEPT_ZH = "gongshui", "县自来水公司"


def _c(name: str, zh: str, t: ColumnType = T.TEXT, *, req: bool = False, n: int | None = 50,
       s: Sensitivity = INTERNAL, aliases: tuple[str, ...] = (), d: str = "") -> Column:
    return Column(name=name, name_zh=zh, type=t, required=req, max_length=n, sensitivity=s,
                  aliases=aliases, description=d)


ACCOUNT = SourceContract(
    department=DEPT, department_zh=DEPT_ZH, table="account", table_zh="用水户档案",
    sharing=Sharing(sequence=1, sharing_type=SharingType.CONDITIONAL, condition="仅向依法履职需要核验该信息的政府部门共享，用于实有人口和空置房核查，须经提供方审批", open_attribute=OpenAttribute.NOT_OPEN),
    description="用水户档案，每年全量 (one row per metered account, towns with piped water)",
    file_pattern=r"^用水户.*\.json$", format="json", encoding="utf-8",
    delivery_mode=DeliveryMode.SNAPSHOT, update_cycle=UpdateCycle.YEARLY, key=("account_no",),
    # the customer list holds every meter; its holder is a person only on a residential account
    # (用水性质 居民…, or not stated); a business's or factory's account is held by the business
    parties=(Party(role="holder", kind="person", fields={
        "name": "holder", "id_number": "id_number", "address": "address", "phone": "phone"},
        when="category is null or category like '%居民%'"),),
    columns=(
        _c("account_no", "用户编号", req=True, n=20),
        _c("holder", "户名", req=True, s=PERSONAL),
        _c("id_number", "证件号码", T.ID_NUMBER, n=20, s=SENSITIVE),
        _c("address", "用水地址", n=200, s=PERSONAL),
        _c("category", "用水性质", T.CODE, n=20),
        _c("phone", "联系电话", T.PHONE, n=30, s=PERSONAL),
        _c("opened", "开户日期", T.DATE, n=20),
        _c("status", "状态", T.CODE, n=10),
    ),
)

CONSUMPTION = SourceContract(
    department=DEPT, department_zh=DEPT_ZH, table="consumption", table_zh="月度用水量",
    sharing=Sharing(sequence=2, sharing_type=SharingType.CONDITIONAL, condition="用于经济运行监测和统计数据核查", open_attribute=OpenAttribute.NOT_OPEN),
    description="每月抄表水量 (one row per account and month)",
    file_pattern=r"^月度水量.*\.csv$", format="csv", encoding="gb18030",
    delivery_mode=DeliveryMode.INCREMENTAL, update_cycle=UpdateCycle.MONTHLY, key=("account_no", "month"),
    columns=(
        _c("account_no", "用户编号", req=True, n=20),
        _c("month", "抄表月份", req=True, n=10, d="YYYYMM"),
        _c("cubic_metres", "用水量（立方米）", T.DECIMAL, req=True, n=20),
        _c("fee", "水费（元）", T.AMOUNT, n=20),
    ),
)

CONTRACTS = [ACCOUNT, CONSUMPTION]
