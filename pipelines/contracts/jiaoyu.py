"""Education and sports bureau (县教育和体育局): student register."""

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
DEPT, DEPT_ZH = "jiaoyu", "县教育和体育局"


def _c(name: str, zh: str, t: ColumnType = T.TEXT, *, req: bool = False, n: int = 50,
       s: Sensitivity = INTERNAL, aliases: tuple[str, ...] = (), d: str = "",
       event_of: tuple[str, ...] = (), not_before: tuple[str, ...] = ()) -> Column:
    return Column(name=name, name_zh=zh, type=t, required=req, max_length=n, sensitivity=s,
                  aliases=aliases, description=d, event_of=event_of, not_before=not_before)


STUDENT = SourceContract(
    department=DEPT, department_zh=DEPT_ZH, table="student", table_zh="中小学学籍信息",
    sharing=Sharing(sequence=1, sharing_type=SharingType.CONDITIONAL, condition="仅向依法履职需要核验该信息的政府部门共享，用于教育补助和入学资格审核，须经提供方审批", open_attribute=OpenAttribute.NOT_OPEN),
    description="在校生学籍，每学年全量，小学/初中/高中各一个工作表 (student and guardian)",
    file_pattern=r"^学籍信息.*\.xlsx$", format="xlsx", sheets=("小学", "初中", "高中"),
    delivery_mode=DeliveryMode.SNAPSHOT, update_cycle=UpdateCycle.YEARLY, key=("student_no",),
    parties=(
        Party(role="self", kind="person", fields={
            "name": "name", "id_number": "id_number", "gender": "gender", "birth_date": "birth_date",
            "address": "address"}),
        Party(role="guardian", kind="person", fields={
            "name": "guardian_name", "phone": "guardian_phone", "address": "address"}),
    ),
    columns=(
        _c("student_no", "全国学籍号", req=True, n=20, aliases=("学籍号",)),
        _c("name", "姓名", req=True, s=PERSONAL),
        _c("gender", "性别", T.GENDER, n=4, s=PERSONAL),
        _c("id_number", "身份证件号", T.ID_NUMBER, n=20, s=SENSITIVE),
        _c("birth_date", "出生日期", T.DATE, n=20, s=PERSONAL),
        _c("school", "学校名称", n=100, s=PUBLIC),
        _c("school_code", "学校标识码", n=10, s=PUBLIC),
        _c("grade", "年级", n=10),
        _c("class_name", "班级", n=10),
        _c("enrolled", "入学年月", n=10, event_of=("self",)),
        _c("guardian_name", "监护人姓名", s=PERSONAL),
        _c("guardian_phone", "监护人联系电话", T.PHONE, n=30, s=PERSONAL),
        _c("address", "家庭住址", n=200, s=PERSONAL),
    ),
)

CONTRACTS = [STUDENT]
