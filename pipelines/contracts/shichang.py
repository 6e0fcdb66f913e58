"""Market regulation bureau (县市场监督管理局): enterprises, individual businesses, annual reports."""

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

DEPT, DEPT_ZH = "shichang", "县市场监督管理局"


def _c(name: str, zh: str, t: ColumnType = T.TEXT, *, req: bool = False, n: int = 50,
       s: Sensitivity = INTERNAL, aliases: tuple[str, ...] = (), d: str = "",
       event_of: tuple[str, ...] = (), not_before: tuple[str, ...] = ()) -> Column:
    return Column(name=name, name_zh=zh, type=t, required=req, max_length=n, sensitivity=s,
                  aliases=aliases, description=d, event_of=event_of, not_before=not_before)


ENTERPRISE = SourceContract(
    department=DEPT, department_zh=DEPT_ZH, table="enterprise", table_zh="企业登记信息",
    sharing=Sharing(sequence=1, sharing_type=SharingType.UNCONDITIONAL, open_attribute=OpenAttribute.CONDITIONAL, open_condition="登记信息按规定公开，法定代表人证件号码不予开放", items={"legal_rep_id": ItemSharing(sharing_type=SharingType.CONDITIONAL, condition="证件号码仅在提供方审批后用于身份核验", open_attribute=OpenAttribute.NOT_OPEN)}),
    description="企业登记信息，每季度全量 (one row per enterprise, registered or deregistered)",
    file_pattern=r"^企业登记.*\.csv$", format="csv", encoding="utf-8-sig",
    delivery_mode=DeliveryMode.SNAPSHOT, update_cycle=UpdateCycle.QUARTERLY, key=("uscc",),
    parties=(
        Party(role="self", kind="org", fields={
            "name": "name", "uscc": "uscc", "legal_rep": "legal_rep", "address": "address",
            "phone": "phone", "established": "established"}),
        Party(role="legal_rep", kind="person", fields={"name": "legal_rep", "id_number": "legal_rep_id"}),
    ),
    columns=(
        _c("uscc", "统一社会信用代码", T.CREDIT_CODE, req=True, n=20, s=PUBLIC, aliases=("信用代码",)),
        _c("name", "企业名称", req=True, n=100, s=PUBLIC),
        _c("enterprise_type", "企业类型", T.CODE, n=50, s=PUBLIC),
        _c("legal_rep", "法定代表人", s=PERSONAL),
        _c("legal_rep_id", "法定代表人证件号码", T.ID_NUMBER, n=20, s=SENSITIVE),
        _c("capital", "注册资本（万元）", T.AMOUNT, n=20, s=PUBLIC, aliases=("注册资本",)),
        _c("established", "成立日期", T.DATE, n=20, s=PUBLIC),
        _c("approved", "核准日期", T.DATE, n=20, s=PUBLIC, event_of=("self",)),
        _c("status", "登记状态", T.CODE, n=10, s=PUBLIC, d="存续 / 在业 / 吊销 / 注销"),
        _c("deregistered", "注销日期", T.DATE, n=20, s=PUBLIC, event_of=("self",)),
        _c("address", "住所", n=200, s=PUBLIC),
        _c("scope", "经营范围", n=1000, s=PUBLIC),
        _c("authority", "登记机关", n=100, s=PUBLIC),
        _c("phone", "联系电话", T.PHONE, n=30),
    ),
)

INDIVIDUAL_BUSINESS = SourceContract(
    department=DEPT, department_zh=DEPT_ZH, table="individual_business", table_zh="个体工商户登记信息",
    sharing=Sharing(sequence=2, sharing_type=SharingType.UNCONDITIONAL, open_attribute=OpenAttribute.CONDITIONAL, open_condition="登记信息按规定公开，经营者证件号码不予开放", items={"operator_id": ItemSharing(sharing_type=SharingType.CONDITIONAL, condition="证件号码仅在提供方审批后用于身份核验", open_attribute=OpenAttribute.NOT_OPEN)}),
    description="个体工商户登记信息，每季度全量 (business and its operator)",
    file_pattern=r"^个体工商户.*\.csv$", format="csv", encoding="gbk",
    delivery_mode=DeliveryMode.SNAPSHOT, update_cycle=UpdateCycle.QUARTERLY, key=("uscc",),
    parties=(
        Party(role="self", kind="org", fields={
            "name": "name", "uscc": "uscc", "legal_rep": "operator", "address": "address",
            "phone": "phone", "established": "established"}),
        Party(role="operator", kind="person", fields={
            "name": "operator", "id_number": "operator_id", "phone": "phone"}),
    ),
    columns=(
        _c("uscc", "统一社会信用代码", T.CREDIT_CODE, req=True, n=20, s=PUBLIC),
        _c("name", "字号名称", n=100, s=PUBLIC, aliases=("名称",)),
        _c("operator", "经营者姓名", req=True, s=PERSONAL, aliases=("经营者",)),
        _c("operator_id", "经营者身份证号", T.ID_NUMBER, n=20, s=SENSITIVE),
        _c("form", "组成形式", T.CODE, n=10, s=PUBLIC, d="个人经营 / 家庭经营"),
        _c("address", "经营场所", n=200, s=PUBLIC),
        _c("scope", "经营范围", n=500, s=PUBLIC),
        _c("established", "成立日期", T.DATE, n=20, s=PUBLIC),
        _c("status", "登记状态", T.CODE, n=10, s=PUBLIC),
        _c("phone", "联系电话", T.PHONE, n=30, s=PERSONAL),
    ),
)

ANNUAL_REPORT = SourceContract(
    department=DEPT, department_zh=DEPT_ZH, table="annual_report", table_zh="企业年度报告",
    sharing=Sharing(sequence=3, sharing_type=SharingType.CONDITIONAL, condition="用于市场监管、统计和信用监管", open_attribute=OpenAttribute.NOT_OPEN),
    description="企业年报，每年一次 (one row per enterprise and report year)",
    file_pattern=r"^企业年报.*\.jsonl$", format="jsonl", encoding="utf-8",
    delivery_mode=DeliveryMode.INCREMENTAL, update_cycle=UpdateCycle.YEARLY, key=("uscc", "report_year"),
    parties=(Party(role="self", kind="org", fields={
        "name": "name", "uscc": "uscc", "address": "address", "phone": "phone"}),),
    columns=(
        _c("uscc", "统一社会信用代码", T.CREDIT_CODE, req=True, n=20, s=PUBLIC),
        _c("name", "企业名称", req=True, n=100, s=PUBLIC),
        _c("report_year", "报告年度", T.INTEGER, req=True, n=4, s=PUBLIC),
        _c("employees", "从业人数", T.INTEGER, n=10, s=PUBLIC),
        _c("total_assets", "资产总额（万元）", T.AMOUNT, n=20),
        _c("revenue", "营业总收入（万元）", T.AMOUNT, n=20),
        _c("tax_paid", "纳税总额（万元）", T.AMOUNT, n=20),
        _c("address", "企业通信地址", n=200, s=PUBLIC),
        _c("phone", "企业联系电话", T.PHONE, n=30, s=PUBLIC),
        _c("email", "电子邮箱", n=100, s=PUBLIC),
        _c("filed", "填报日期", T.DATE, n=20, s=PUBLIC, event_of=("self",)),
    ),
)

CONTRACTS = [ENTERPRISE, INDIVIDUAL_BUSINESS, ANNUAL_REPORT]
