"""Comprehensive administrative law enforcement bureau (县综合行政执法局): penalties (双公示)."""

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

DEPT, DEPT_ZH = "zhifa", "县综合行政执法局"


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


PENALTY = SourceContract(
    department=DEPT, department_zh=DEPT_ZH, table="penalty", table_zh="行政处罚信息（双公示）",
    sharing=Sharing(sequence=1, sharing_type=SharingType.UNCONDITIONAL, open_attribute=OpenAttribute.CONDITIONAL, open_condition="公示期内公开（发改办财金〔2019〕527号），证件号码不予开放", items={"id_number": ItemSharing(sharing_type=SharingType.CONDITIONAL, condition="证件号码仅在提供方审批后用于身份核验", open_attribute=OpenAttribute.NOT_OPEN)}),
    description="每月行政处罚决定，按双公示数据标准 (the party punished and its legal representative)",
    file_pattern=r"^行政处罚.*\.xlsx$", format="xlsx", sheets=("行政处罚",),
    delivery_mode=DeliveryMode.INCREMENTAL, update_cycle=UpdateCycle.MONTHLY, key=("decision_no",),
    parties=(
        Party(role="self", kind="org", fields={"name": "party_name", "uscc": "uscc", "legal_rep": "legal_rep"}),
        Party(role="legal_rep", kind="person", fields={"name": "legal_rep", "id_number": "id_number"}),
    ),
    columns=(
        *_PARTY,
        _c("decision_no", "行政处罚决定书文号", req=True, n=100, s=PUBLIC),
        _c("violation_type", "违法行为类型", n=200, s=PUBLIC),
        _c("facts", "违法事实", n=2000, s=PUBLIC),
        _c("basis", "处罚依据", n=1000, s=PUBLIC),
        _c("penalty_category", "处罚类别", T.CODE, n=50, s=PUBLIC),
        _c("content", "处罚内容", n=1000, s=PUBLIC),
        _c("fine", "罚款金额（万元）", T.AMOUNT, n=20, s=PUBLIC),
        _c("confiscated", "没收违法所得、没收非法财物的金额（万元）", T.AMOUNT, n=20, s=PUBLIC),
        _c("decision_date", "处罚决定日期", T.DATE, req=True, n=20, s=PUBLIC, event_of=("self",)),
        _c("valid_until", "处罚有效期", T.DATE, n=20, s=PUBLIC, not_before=("decision_date",)),
        _c("publish_until", "公示截止期", T.DATE, n=20, s=PUBLIC, not_before=("decision_date",)),
        _c("authority", "处罚机关", n=100, s=PUBLIC),
        _c("authority_uscc", "处罚机关统一社会信用代码", T.CREDIT_CODE, n=20, s=PUBLIC),
        _c("data_source", "数据来源单位", n=100, s=PUBLIC),
        _c("data_source_uscc", "数据来源单位统一社会信用代码", T.CREDIT_CODE, n=20, s=PUBLIC),
    ),
)

CONTRACTS = [PENALTY]
