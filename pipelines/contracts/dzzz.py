"""Electronic licence issuers, via the e-licence platform (电子证照): licence metadata per
GB/T 36901, one source for natural-person holders and one for legal-person holders."""

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

DEPT, DEPT_ZH = "dzzz", "电子证照库"


def _c(name: str, zh: str, t: ColumnType = T.TEXT, *, req: bool = False, n: int | None = 50,
       s: Sensitivity = INTERNAL, aliases: tuple[str, ...] = (), d: str = "",
       event_of: tuple[str, ...] = (), not_before: tuple[str, ...] = ()) -> Column:
    return Column(name=name, name_zh=zh, type=t, required=req, max_length=n, sensitivity=s,
                  aliases=aliases, description=d, event_of=event_of, not_before=not_before)



def _columns(holder_type: ColumnType, holder_sensitivity: Sensitivity) -> tuple[Column, ...]:
    return (
        _c("licence_name", "证照名称", req=True, n=100, s=PUBLIC),
        _c("type_code", "证照类型代码", T.CODE, req=True, n=30, s=PUBLIC),
        _c("licence_no", "证照编号", req=True, n=100),
        _c("licence_id", "证照标识", req=True, n=120, d="1.2.156.3005.2.{类型}.{颁发机构}.{流水号}.{版本}.{校验位}"),
        _c("issuer", "颁发机构", req=True, n=100, s=PUBLIC),
        _c("issuer_code", "颁发机构代码", T.CREDIT_CODE, n=20, s=PUBLIC),
        _c("issue_date", "颁发日期", T.DATE, req=True, n=20, event_of=("holder",)),
        _c("holder", "持证主体", req=True, n=200, s=holder_sensitivity),
        _c("holder_code", "持证主体代码", holder_type, n=20,
           s=SENSITIVE if holder_type == T.ID_NUMBER else PUBLIC),
        _c("holder_code_type", "持证主体代码类型", T.CODE, n=3, s=PUBLIC, d="111 身份证 / 001 统一社会信用代码"),
        _c("valid_from", "有效期起始日期", T.DATE, n=20, event_of=("holder",)),
        _c("valid_to", "有效期截止日期", T.DATE, n=20, not_before=("valid_from", "issue_date")),
        _c("status", "证照状态", T.CODE, n=10, d="有效 / 注销 / 过期"),
    )


PERSON_LICENCE = SourceContract(
    department=DEPT, department_zh=DEPT_ZH, table="person_licence", table_zh="自然人电子证照",
    sharing=Sharing(sequence=1, sharing_type=SharingType.CONDITIONAL, condition="持证主体授权或依法履职核验证照时共享", open_attribute=OpenAttribute.NOT_OPEN),
    description="每月新签发的自然人电子证照元数据 (GB/T 36901)",
    file_pattern=r"^电子证照_自然人.*\.jsonl$", format="jsonl", encoding="utf-8",
    delivery_mode=DeliveryMode.INCREMENTAL, update_cycle=UpdateCycle.MONTHLY, key=("licence_id",),
    parties=(Party(role="holder", kind="person", fields={"name": "holder", "id_number": "holder_code"}),),
    columns=_columns(T.ID_NUMBER, PERSONAL),
)

ORG_LICENCE = SourceContract(
    department=DEPT, department_zh=DEPT_ZH, table="org_licence", table_zh="法人电子证照",
    sharing=Sharing(sequence=2, sharing_type=SharingType.UNCONDITIONAL, open_attribute=OpenAttribute.CONDITIONAL, open_condition="证照名称、编号和持证单位可开放"),
    description="每月新签发的法人电子证照元数据 (GB/T 36901)",
    file_pattern=r"^电子证照_法人.*\.jsonl$", format="jsonl", encoding="utf-8",
    delivery_mode=DeliveryMode.INCREMENTAL, update_cycle=UpdateCycle.MONTHLY, key=("licence_id",),
    parties=(Party(role="holder", kind="org", fields={"name": "holder", "uscc": "holder_code"}),),
    columns=_columns(T.CREDIT_CODE, PUBLIC),
)

CONTRACTS = [PERSON_LICENCE, ORG_LICENCE]
