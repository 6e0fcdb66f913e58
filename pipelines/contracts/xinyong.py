"""Social credit office (县社会信用体系建设办公室): red and black lists."""

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

DEPT, DEPT_ZH = "xinyong", "县信用办"


def _c(name: str, zh: str, t: ColumnType = T.TEXT, *, req: bool = False, n: int | None = 50,
       s: Sensitivity = INTERNAL, aliases: tuple[str, ...] = (), d: str = "",
       event_of: tuple[str, ...] = (), not_before: tuple[str, ...] = ()) -> Column:
    return Column(name=name, name_zh=zh, type=t, required=req, max_length=n, sensitivity=s,
                  aliases=aliases, description=d, event_of=event_of, not_before=not_before)


CREDIT_LIST = SourceContract(
    department=DEPT, department_zh=DEPT_ZH, table="credit_list", table_zh="红黑名单",
    sharing=Sharing(sequence=1, sharing_type=SharingType.UNCONDITIONAL, open_attribute=OpenAttribute.OPEN, open_condition="公示期内公开（发改办财金〔2019〕527号）"),
    description="守信红名单和失信黑名单，每季度全量 (one row per listing)",
    file_pattern=r"^红黑名单.*\.json$", format="json", encoding="utf-8",
    delivery_mode=DeliveryMode.SNAPSHOT, update_cycle=UpdateCycle.QUARTERLY,
    key=("list_name", "uscc", "listed_date"),
    parties=(Party(role="self", kind="org", fields={"name": "subject_name", "uscc": "uscc", "legal_rep": "legal_rep"}),),
    columns=(
        _c("list_type", "名单类型", T.CODE, req=True, n=10, s=PUBLIC, d="红名单 / 黑名单"),
        _c("list_name", "名单名称", req=True, n=100, s=PUBLIC),
        _c("subject_name", "主体名称", req=True, n=200, s=PUBLIC),
        _c("uscc", "统一社会信用代码", T.CREDIT_CODE, n=20, s=PUBLIC),
        _c("legal_rep", "法定代表人", s=PERSONAL),
        _c("listed_date", "列入日期", T.DATE, req=True, n=20, s=PUBLIC, event_of=("self",)),
        _c("removed_date", "移出日期", T.DATE, n=20, s=PUBLIC, not_before=("listed_date",)),
        _c("reason", "列入原因", n=500, s=PUBLIC),
        _c("authority", "认定部门", n=100, s=PUBLIC),
    ),
)

CONTRACTS = [CREDIT_LIST]
