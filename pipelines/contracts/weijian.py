"""Health commission (县卫生健康局): births, deaths, medical institutions."""

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
DEPT, DEPT_ZH = "weijian", "县卫生健康局"


def _c(name: str, zh: str, t: ColumnType = T.TEXT, *, req: bool = False, n: int = 50,
       s: Sensitivity = INTERNAL, aliases: tuple[str, ...] = (), d: str = "",
       event_of: tuple[str, ...] = (), not_before: tuple[str, ...] = ()) -> Column:
    return Column(name=name, name_zh=zh, type=t, required=req, max_length=n, sensitivity=s,
                  aliases=aliases, description=d, event_of=event_of, not_before=not_before)


BIRTH = SourceContract(
    department=DEPT, department_zh=DEPT_ZH, table="birth_certificate", table_zh="出生医学证明",
    sharing=Sharing(sequence=1, sharing_type=SharingType.CONDITIONAL, condition="仅向依法履职需要核验该信息的政府部门共享，用于出生登记和户籍申报核验，须经提供方审批", open_attribute=OpenAttribute.NOT_OPEN),
    description="每月签发的出生医学证明 (newborn, mother and father)",
    file_pattern=r"^出生医学证明.*\.json$", format="json", encoding="utf-8",
    delivery_mode=DeliveryMode.INCREMENTAL, update_cycle=UpdateCycle.MONTHLY, key=("certificate_no",),
    parties=(
        # one certificate per child: two certificates are two children (unnamed twins)
        Party(role="self", kind="person", fields={
            "name": "child_name", "gender": "child_gender", "birth_date": "birth_date",
            "address": "address"}, one_per_person=True),
        Party(role="mother", kind="person", fields={
            "name": "mother_name", "id_number": "mother_id_number"}),
        Party(role="father", kind="person", fields={
            "name": "father_name", "id_number": "father_id_number"}),
    ),
    columns=(
        _c("certificate_no", "出生医学证明编号", req=True, n=20),
        _c("child_name", "新生儿姓名", s=PERSONAL),
        _c("child_gender", "新生儿性别", T.GENDER, n=4, s=PERSONAL),
        _c("birth_date", "出生日期", T.DATE, req=True, n=20, s=PERSONAL, event_of=("mother", "father")),
        _c("birth_weight", "出生体重（克）", T.INTEGER, n=6, s=SENSITIVE),
        _c("mother_name", "母亲姓名", req=True, s=PERSONAL),
        _c("mother_id_number", "母亲身份证件号码", T.ID_NUMBER, n=20, s=SENSITIVE),
        _c("father_name", "父亲姓名", s=PERSONAL),
        _c("father_id_number", "父亲身份证件号码", T.ID_NUMBER, n=20, s=SENSITIVE),
        _c("hospital", "助产机构名称", n=100, s=PUBLIC),
        _c("address", "家庭住址", n=200, s=PERSONAL),
    ),
)

DEATH = SourceContract(
    department=DEPT, department_zh=DEPT_ZH, table="death_certificate", table_zh="死亡医学证明",
    sharing=Sharing(sequence=2, sharing_type=SharingType.CONDITIONAL, condition="仅向依法履职需要核验该信息的政府部门共享，用于户籍注销和待遇停发核查，须经提供方审批", open_attribute=OpenAttribute.NOT_OPEN, items={"cause": ItemSharing(sharing_type=SharingType.NOT_SHARED, condition="《中华人民共和国基本医疗卫生与健康促进法》第九十二条：个人健康信息不予共享")}),
    description="每月死亡医学证明推断书 (one row per death certified)",
    file_pattern=r"^死亡医学证明.*\.jsonl$", format="jsonl", encoding="utf-8",
    delivery_mode=DeliveryMode.INCREMENTAL, update_cycle=UpdateCycle.MONTHLY, key=("certificate_no",),
    parties=(Party(role="self", kind="person", fields={
        "name": "name", "id_number": "id_number", "gender": "gender", "birth_date": "birth_date",
        "address": "address"}, one_per_person=True),),  # one certificate per deceased
    columns=(
        _c("certificate_no", "死亡医学证明编号", req=True, n=20),
        _c("name", "姓名", req=True, s=PERSONAL),
        _c("gender", "性别", T.GENDER, n=4, s=PERSONAL),
        _c("id_number", "身份证件号码", T.ID_NUMBER, n=20, s=SENSITIVE),
        _c("birth_date", "出生日期", T.DATE, n=20, s=PERSONAL),
        _c("death_date", "死亡日期", T.DATE, req=True, n=20, s=PERSONAL, event_of=("self",)),
        _c("death_place", "死亡地点", n=50, s=PERSONAL),
        _c("cause", "根本死因", n=100, s=SENSITIVE),
        _c("address", "常住地址", n=200, s=PERSONAL),
        _c("reporting_unit", "填报单位", n=100, s=PUBLIC),
    ),
)

CLINIC = SourceContract(
    department=DEPT, department_zh=DEPT_ZH, table="medical_institution", table_zh="医疗机构执业登记",
    sharing=Sharing(sequence=3, sharing_type=SharingType.UNCONDITIONAL, open_attribute=OpenAttribute.CONDITIONAL, open_condition="执业登记信息按规定公开"),
    description="医疗机构名录，每年全量 (hospitals, township health centres, clinics)",
    file_pattern=r"^医疗机构.*\.xlsx$", format="xlsx", sheets=("医疗机构",),
    delivery_mode=DeliveryMode.SNAPSHOT, update_cycle=UpdateCycle.YEARLY, key=("licence_no",),
    parties=(Party(role="self", kind="org", fields={
        "name": "name", "uscc": "uscc", "legal_rep": "legal_rep", "address": "address",
        "phone": "phone"}),),
    columns=(
        _c("name", "机构名称", req=True, n=100, s=PUBLIC),
        _c("uscc", "统一社会信用代码", T.CREDIT_CODE, n=20, s=PUBLIC),
        _c("licence_no", "登记号", req=True, n=30, s=PUBLIC),
        _c("category", "机构类别", T.CODE, n=20, s=PUBLIC),
        _c("legal_rep", "法定代表人（主要负责人）", s=PERSONAL, aliases=("负责人",)),
        _c("address", "地址", n=200, s=PUBLIC),
        _c("phone", "联系电话", T.PHONE, n=30),
        _c("issue_date", "发证日期", T.DATE, n=20, s=PUBLIC, event_of=("self",)),
        _c("valid_to", "有效期至", T.DATE, n=20, s=PUBLIC, not_before=("issue_date",)),
        _c("ownership", "经营性质", T.CODE, n=20, s=PUBLIC, d="非营利性 / 营利性"),
    ),
)

CONTRACTS = [BIRTH, DEATH, CLINIC]
