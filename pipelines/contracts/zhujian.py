"""Housing and urban-rural development bureau (县住房和城乡建设局): property registrations."""

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

DEPT, DEPT_ZH = "zhujian", "县住房和城乡建设局"


def _c(name: str, zh: str, t: ColumnType = T.TEXT, *, req: bool = False, n: int | None = 50,
       s: Sensitivity = INTERNAL, aliases: tuple[str, ...] = (), d: str = "",
       event_of: tuple[str, ...] = (), not_before: tuple[str, ...] = ()) -> Column:
    return Column(name=name, name_zh=zh, type=t, required=req, max_length=n, sensitivity=s,
                  aliases=aliases, description=d, event_of=event_of, not_before=not_before)


PROPERTY = SourceContract(
    department=DEPT, department_zh=DEPT_ZH, table="property_registration", table_zh="房屋产权登记",
    sharing=Sharing(sequence=1, sharing_type=SharingType.CONDITIONAL, condition="仅向依法履职需要核验该信息的政府部门共享，用于住房保障和不动产核查，须经提供方审批", open_attribute=OpenAttribute.NOT_OPEN),
    description="每月房屋不动产权登记 (owner and co-owner of each registered dwelling)",
    file_pattern=r"^不动产登记.*\.csv$", format="csv", encoding="utf-8",
    delivery_mode=DeliveryMode.INCREMENTAL, update_cycle=UpdateCycle.MONTHLY, key=("certificate_no",),
    parties=(
        Party(role="owner", kind="person", fields={
            "name": "owner_name", "id_number": "owner_id", "address": "location", "phone": "phone"}),
        Party(role="co_owner", kind="person", fields={"name": "co_owner_name", "id_number": "co_owner_id"}),
    ),
    columns=(
        _c("certificate_no", "不动产权证号", req=True, n=50),
        _c("unit_no", "不动产单元号", n=30),
        _c("owner_name", "权利人", req=True, s=PERSONAL),
        _c("owner_id", "权利人证件号码", T.ID_NUMBER, n=20, s=SENSITIVE),
        _c("co_ownership", "共有情况", T.CODE, n=10, d="单独所有 / 共同共有 / 按份共有"),
        _c("co_owner_name", "共有人", s=PERSONAL),
        _c("co_owner_id", "共有人证件号码", T.ID_NUMBER, n=20, s=SENSITIVE),
        _c("location", "坐落", n=200, s=PERSONAL),
        _c("floor_area", "建筑面积（平方米）", T.DECIMAL, n=20),
        _c("use", "规划用途", n=20),
        _c("registered", "登记日期", T.DATE, req=True, n=20, event_of=("owner", "co_owner")),
        _c("phone", "联系电话", T.PHONE, n=30, s=PERSONAL),
    ),
)

CONTRACTS = [PROPERTY]
