"""Tax bureau (国家税务总局县税务局): taxpayer register and monthly tax receipts."""

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

DEPT, DEPT_ZH = "shuiwu", "县税务局"


def _c(name: str, zh: str, t: ColumnType = T.TEXT, *, req: bool = False, n: int = 50,
       s: Sensitivity = INTERNAL, aliases: tuple[str, ...] = (), d: str = "",
       event_of: tuple[str, ...] = (), not_before: tuple[str, ...] = ()) -> Column:
    return Column(name=name, name_zh=zh, type=t, required=req, max_length=n, sensitivity=s,
                  aliases=aliases, description=d, event_of=event_of, not_before=not_before)


TAXPAYER = SourceContract(
    department=DEPT, department_zh=DEPT_ZH, table="taxpayer", table_zh="纳税人登记信息",
    sharing=Sharing(sequence=1, sharing_type=SharingType.CONDITIONAL, condition="用于市场主体登记比对和信用监管，须经提供方审批", open_attribute=OpenAttribute.NOT_OPEN),
    description="纳税人登记信息，每季度全量 (enterprises and individual businesses)",
    file_pattern=r"^纳税人登记.*\.xlsx$", format="xlsx", sheets=("纳税人信息",),
    delivery_mode=DeliveryMode.SNAPSHOT, update_cycle=UpdateCycle.QUARTERLY, key=("taxpayer_id",),
    parties=(
        Party(role="self", kind="org", fields={
            "name": "name", "uscc": "taxpayer_id", "legal_rep": "legal_rep", "address": "address",
            "phone": "phone", "established": "registered"}),
        Party(role="legal_rep", kind="person", fields={"name": "legal_rep", "id_number": "legal_rep_id"}),
    ),
    columns=(
        _c("taxpayer_id", "纳税人识别号", T.CREDIT_CODE, req=True, n=20, s=PUBLIC,
           aliases=("统一社会信用代码",)),
        _c("name", "纳税人名称", req=True, n=100, s=PUBLIC),
        _c("legal_rep", "法定代表人（负责人）姓名", s=PERSONAL),
        _c("legal_rep_id", "法定代表人身份证件号码", T.ID_NUMBER, n=20, s=SENSITIVE),
        _c("registration_type", "登记注册类型", T.CODE, n=30),
        _c("industry", "行业", n=50),
        _c("registered", "登记日期", T.DATE, n=20),
        _c("status", "纳税人状态", T.CODE, n=10),
        _c("tax_office", "主管税务所（科、分局）", n=100),
        _c("address", "生产经营地址", n=200),
        _c("phone", "联系电话", T.PHONE, n=30),
    ),
)

MONTHLY_TAX = SourceContract(
    department=DEPT, department_zh=DEPT_ZH, table="monthly_tax", table_zh="税收入库明细",
    sharing=Sharing(sequence=2, sharing_type=SharingType.NOT_SHARED, condition="《中华人民共和国税收征收管理法》第八条：纳税人的涉税信息依法保密", open_attribute=OpenAttribute.NOT_OPEN),
    description="每月税收入库明细 (one row per taxpayer, period and tax item)",
    file_pattern=r"^税收入库.*\.csv$", format="csv", encoding="gb18030",
    delivery_mode=DeliveryMode.INCREMENTAL, update_cycle=UpdateCycle.MONTHLY,
    key=("taxpayer_id", "period_start", "tax_item"),
    parties=(Party(role="self", kind="org", fields={"name": "name", "uscc": "taxpayer_id"}),),
    columns=(
        _c("taxpayer_id", "纳税人识别号", T.CREDIT_CODE, req=True, n=20, s=PUBLIC),
        _c("name", "纳税人名称", n=100, s=PUBLIC),
        _c("period_start", "所属期起", T.DATE, req=True, n=20),
        # a period may start before the taxpayer was established (a quarter), not end before it
        _c("period_end", "所属期止", T.DATE, n=20, event_of=("self",), not_before=("period_start",)),
        _c("tax_item", "征收项目", T.CODE, req=True, n=30),
        _c("amount", "实缴金额（元）", T.AMOUNT, req=True, n=20),
        _c("paid_date", "入库日期", T.DATE, n=20, event_of=("self",)),
        _c("township", "所属乡镇（街道）", n=50),
    ),
)

CONTRACTS = [TAXPAYER, MONTHLY_TAX]
