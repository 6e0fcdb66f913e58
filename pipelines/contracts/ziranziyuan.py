"""Natural resources bureau (自然资源和规划局分局): township boundaries and land parcels (GeoJSON)."""

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

DEPT, DEPT_ZH = "ziranziyuan", "县自然资源局"


def _c(name: str, zh: str, t: ColumnType = T.TEXT, *, req: bool = False, n: int = 50,
       s: Sensitivity = INTERNAL, aliases: tuple[str, ...] = (), d: str = "",
       event_of: tuple[str, ...] = (), not_before: tuple[str, ...] = ()) -> Column:
    return Column(name=name, name_zh=zh, type=t, required=req, max_length=n, sensitivity=s,
                  aliases=aliases, description=d, event_of=event_of, not_before=not_before)


TOWNSHIP_BOUNDARY = SourceContract(
    department=DEPT, department_zh=DEPT_ZH, table="township_boundary", table_zh="乡镇行政区界线",
    sharing=Sharing(sequence=1, sharing_type=SharingType.UNCONDITIONAL, open_attribute=OpenAttribute.OPEN),
    description="乡镇（街道）界线面，WGS 84，每年一次 (one feature per township)",
    file_pattern=r"^乡镇界.*\.geojson$", format="geojson", encoding="utf-8",
    delivery_mode=DeliveryMode.SNAPSHOT, update_cycle=UpdateCycle.YEARLY, key=("township_code",),
    columns=(
        _c("township_code", "乡镇代码", T.DIVISION_CODE, req=True, n=12, s=PUBLIC),
        _c("township_name", "乡镇名称", req=True, n=50, s=PUBLIC),
        _c("area_km2", "面积（平方公里）", T.DECIMAL, n=20, s=PUBLIC),
        _c("geometry", "geometry", T.GEOMETRY, req=True, n=1_000_000, s=PUBLIC),
    ),
)

LAND_PARCEL = SourceContract(
    department=DEPT, department_zh=DEPT_ZH, table="land_parcel", table_zh="宗地",
    sharing=Sharing(sequence=2, sharing_type=SharingType.CONDITIONAL, condition="用于规划、投资项目和税源管理", open_attribute=OpenAttribute.NOT_OPEN),
    description="国有建设用地和集体土地宗地，WGS 84，每年一次 (one feature per parcel)",
    file_pattern=r"^宗地.*\.geojson$", format="geojson", encoding="utf-8",
    delivery_mode=DeliveryMode.SNAPSHOT, update_cycle=UpdateCycle.YEARLY, key=("parcel_code",),
    parties=(Party(role="owner", kind="org", fields={"name": "owner", "uscc": "owner_uscc"}),),
    columns=(
        _c("parcel_code", "不动产单元号", req=True, n=30, s=PUBLIC),
        _c("location", "坐落", n=200, s=PUBLIC),
        _c("owner", "权利人", n=100, s=PUBLIC),
        _c("owner_uscc", "权利人统一社会信用代码", T.CREDIT_CODE, n=20, s=PUBLIC),
        _c("land_use", "用途", n=30, s=PUBLIC),
        _c("area_m2", "面积（平方米）", T.DECIMAL, n=20, s=PUBLIC),
        _c("right_type", "权利类型", n=30, s=PUBLIC),
        _c("registered", "登记日期", T.DATE, n=20, s=PUBLIC, event_of=("owner",)),
        _c("geometry", "geometry", T.GEOMETRY, req=True, n=1_000_000, s=PUBLIC),
    ),
)

CONTRACTS = [TOWNSHIP_BOUNDARY, LAND_PARCEL]
