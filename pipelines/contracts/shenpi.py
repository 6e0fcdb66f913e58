"""Administrative approval bureau (县行政审批服务局): licences in the 双公示 fields."""

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

DEPT, DEPT_ZH = "shenpi", "县行政审批服务局"


def _c(name: str, zh: str, t: ColumnType = T.TEXT, *, req: bool = False, n: int | None = 50,
       s: Sensitivity = INTERNAL, aliases: tuple[str, ...] = (), d: str = "",
       event_of: tuple[str, ...] = (), not_before: tuple[str, ...] = ()) -> Column:
    return Column(name=name, name_zh=zh, type=t, required=req, max_length=n, sensitivity=s,
                  aliases=aliases, description=d, event_of=event_of, not_before=not_before)


_PARTY = (
    _c("party_name", "行政相对人名称", req=True, n=200, s=PUBLIC),
    _c("party_category", "行政相对人类别", T.CODE, n=2, s=PUBLIC,
       d="01 自然人 / 02 法人及非法人组织 / 03 非法人组织 / 04 个体工商户"),
    _c("uscc", "统一社会信用代码", T.CREDIT_CODE, n=20, s=PUBLIC),
    _c("legal_rep", "法定代表人", n=50, s=PERSONAL),
    _c("id_type", "证件类型", T.CODE, n=2, d="01 身份证"),
    _c("id_number", "证件号码", T.ID_NUMBER, n=20, s=SENSITIVE),
)


LICENCE = SourceContract(
    department=DEPT, department_zh=DEPT_ZH, table="licence", table_zh="行政许可信息（双公示）",
    sharing=Sharing(sequence=1, sharing_type=SharingType.UNCONDITIONAL, open_attribute=OpenAttribute.CONDITIONAL, open_condition="按双公示规定公开，证件号码不予开放", items={"id_number": ItemSharing(sharing_type=SharingType.CONDITIONAL, condition="证件号码仅在提供方审批后用于身份核验", open_attribute=OpenAttribute.NOT_OPEN)}),
    description="每月行政许可决定，按双公示数据标准 (holder and its legal representative)",
    file_pattern=r"^行政许可.*\.csv$", format="csv", encoding="utf-8-sig",
    delivery_mode=DeliveryMode.INCREMENTAL, update_cycle=UpdateCycle.MONTHLY, key=("licence_no",),
    parties=(
        Party(role="holder", kind="org", fields={"name": "party_name", "uscc": "uscc", "legal_rep": "legal_rep"}),
        Party(role="legal_rep", kind="person", fields={"name": "legal_rep", "id_number": "id_number"}),
    ),
    columns=(
        *_PARTY,
        _c("decision_doc", "行政许可决定文书名称", n=100, s=PUBLIC),
        _c("decision_no", "行政许可决定文书号", req=True, n=100, s=PUBLIC),
        _c("licence_category", "许可类别", T.CODE, n=10, s=PUBLIC, d="普通/特许/认可/核准/登记/其他"),
        _c("certificate_name", "许可证书名称", n=100, s=PUBLIC),
        _c("licence_no", "许可编号", req=True, n=100, s=PUBLIC),
        _c("content", "许可内容", n=1000, s=PUBLIC),
        _c("decision_date", "许可决定日期", T.DATE, req=True, n=20, s=PUBLIC, event_of=("holder",)),
        _c("valid_from", "有效期自", T.DATE, n=20, s=PUBLIC, event_of=("holder",)),
        _c("valid_to", "有效期至", T.DATE, n=20, s=PUBLIC, d="2099-12-31 表示长期",
       not_before=("valid_from",)),
        _c("authority", "许可机关", n=100, s=PUBLIC),
        _c("authority_uscc", "许可机关统一社会信用代码", T.CREDIT_CODE, n=20, s=PUBLIC),
        _c("status", "当前状态", T.CODE, n=10, s=PUBLIC, d="1 有效 / 2 无效"),
        _c("data_source", "数据来源单位", n=100, s=PUBLIC),
        _c("data_source_uscc", "数据来源单位统一社会信用代码", T.CREDIT_CODE, n=20, s=PUBLIC),
    ),
)

CONTRACTS = [LICENCE]
