"""Human resources and social security bureau (县人力资源和社会保障局): insured persons,
monthly contributions and pension payments."""

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
DEPT, DEPT_ZH = "renshe", "县人力资源和社会保障局"


def _c(name: str, zh: str, t: ColumnType = T.TEXT, *, req: bool = False, n: int = 50,
       s: Sensitivity = INTERNAL, aliases: tuple[str, ...] = (), d: str = "",
       event_of: tuple[str, ...] = (), not_before: tuple[str, ...] = ()) -> Column:
    return Column(name=name, name_zh=zh, type=t, required=req, max_length=n, sensitivity=s,
                  aliases=aliases, description=d, event_of=event_of, not_before=not_before)


INSURED = SourceContract(
    department=DEPT, department_zh=DEPT_ZH, table="insured_person", table_zh="养老保险参保人员",
    sharing=Sharing(sequence=1, sharing_type=SharingType.CONDITIONAL, condition="仅向依法履职需要核验该信息的政府部门共享，用于社会保险待遇核查，须经提供方审批", open_attribute=OpenAttribute.NOT_OPEN),
    description="参保人员信息，每季度全量 (employees, rural and urban residents, pensioners)",
    file_pattern=r"^参保人员.*\.csv$", format="csv", encoding="gb18030",
    delivery_mode=DeliveryMode.SNAPSHOT, update_cycle=UpdateCycle.QUARTERLY, key=("personal_no",),
    parties=(
        Party(role="self", kind="person", fields={
            "name": "name", "id_number": "id_number", "gender": "gender", "birth_date": "birth_date",
            "phone": "phone", "address": "address"}),
        Party(role="employer", kind="org", fields={"name": "employer", "uscc": "employer_uscc"}),
    ),
    columns=(
        _c("personal_no", "个人编号", req=True, n=20),
        _c("name", "姓名", req=True, s=PERSONAL),
        _c("id_number", "公民身份号码", T.ID_NUMBER, req=True, n=20, s=SENSITIVE, aliases=("社会保障号码",)),
        _c("gender", "性别", T.GENDER, n=4, s=PERSONAL),
        _c("birth_date", "出生日期", T.DATE, n=20, s=PERSONAL),
        _c("insurance_type", "险种类型", T.CODE, n=30, d="企业职工基本养老保险 / 城乡居民基本养老保险"),
        _c("status", "参保状态", T.CODE, n=20, d="参保缴费 / 暂停缴费 / 待遇领取 / 终止"),
        _c("start_date", "参保日期", T.DATE, n=20, event_of=("self",)),
        _c("employer", "单位名称", n=100, s=PUBLIC),
        _c("employer_uscc", "单位统一社会信用代码", T.CREDIT_CODE, n=20, s=PUBLIC),
        _c("phone", "联系电话", T.PHONE, n=30, s=PERSONAL),
        _c("address", "居住地址", n=200, s=PERSONAL, aliases=("联系地址",)),
    ),
)

PAYMENTS = SourceContract(
    department=DEPT, department_zh=DEPT_ZH, table="payments", table_zh="社保缴费及待遇发放",
    sharing=Sharing(sequence=2, sharing_type=SharingType.CONDITIONAL, condition="仅向依法履职需要核验该信息的政府部门共享，用于社会保险待遇核查和审计，须经提供方审批", open_attribute=OpenAttribute.NOT_OPEN),
    description="每月缴费和养老金发放明细 (one row per person, month and business type)",
    file_pattern=r"^社保缴费发放.*\.csv$", format="csv", encoding="utf-8",
    delivery_mode=DeliveryMode.INCREMENTAL, update_cycle=UpdateCycle.MONTHLY,
    key=("personal_no", "period", "business_type"),
    parties=(Party(role="self", kind="person", fields={"name": "name", "id_number": "id_number"}),),
    columns=(
        _c("personal_no", "个人编号", req=True, n=20),
        _c("name", "姓名", s=PERSONAL),
        _c("id_number", "公民身份号码", T.ID_NUMBER, n=20, s=SENSITIVE),
        _c("period", "费款所属期", req=True, n=10, d="YYYYMM", event_of=("self",)),
        _c("business_type", "业务类型", T.CODE, req=True, n=10, d="缴费 / 待遇发放"),
        _c("insurance_type", "险种类型", T.CODE, n=30),
        _c("amount", "金额（元）", T.AMOUNT, req=True, n=20, s=SENSITIVE),
        _c("employer", "单位名称", n=100, s=PUBLIC),
        _c("pay_date", "到账日期", T.DATE, n=20, event_of=("self",)),
    ),
)

CONTRACTS = [INSURED, PAYMENTS]
