"""Public security bureau (公安局): household register and residence permits."""

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

PERSONAL = Sensitivity.PERSONAL
SENSITIVE = Sensitivity.SENSITIVE

HOUSEHOLD_REGISTER = SourceContract(
    department="gongan",
    department_zh="县公安局",
    table="household_register",
    table_zh="户籍人口信息",
    sharing=Sharing(sequence=1, sharing_type=SharingType.CONDITIONAL, condition="仅向依法履职需要核验该信息的政府部门共享，用于身份核验、待遇审核和人口统计，须经提供方审批", open_attribute=OpenAttribute.NOT_OPEN),
    description="常住户籍人口，每季度全量导出 (one row per registered resident)",
    file_pattern=r"^户籍人口.*\.csv$",
    format="csv",
    encoding="gb18030",
    delivery_mode=DeliveryMode.SNAPSHOT,
    update_cycle=UpdateCycle.QUARTERLY,
    key=("id_number",),
    parties=(
        Party(
            role="self",
            kind="person",
            fields={
                "name": "name",
                "id_number": "id_number",
                "gender": "gender",
                "birth_date": "birth_date",
                "phone": "phone",
                "address": "address",
            },
        ),
    ),
    columns=(
        Column(name="id_number", name_zh="公民身份号码", type=ColumnType.ID_NUMBER,
               required=True, max_length=20, sensitivity=SENSITIVE,
               aliases=("身份证号码", "身份证号")),
        Column(name="name", name_zh="姓名", required=True, max_length=50, sensitivity=PERSONAL),
        Column(name="gender", name_zh="性别", type=ColumnType.GENDER, max_length=4,
               sensitivity=PERSONAL),
        Column(name="ethnicity", name_zh="民族", max_length=20, sensitivity=PERSONAL),
        Column(name="birth_date", name_zh="出生日期", type=ColumnType.DATE, max_length=20,
               sensitivity=PERSONAL),
        Column(name="household_no", name_zh="户号", required=True, max_length=20,
               sensitivity=PERSONAL),
        Column(name="relation_to_head", name_zh="与户主关系", max_length=20,
               sensitivity=PERSONAL),
        Column(name="division_code", name_zh="行政区划代码", type=ColumnType.DIVISION_CODE,
               max_length=12, sensitivity=Sensitivity.PUBLIC, aliases=("区划代码",)),
        Column(name="address", name_zh="户籍地址", max_length=200, sensitivity=PERSONAL,
               aliases=("住址",)),
        Column(name="marital_status", name_zh="婚姻状况", max_length=10, sensitivity=PERSONAL),
        Column(name="phone", name_zh="联系电话", type=ColumnType.PHONE, max_length=30,
               sensitivity=PERSONAL, aliases=("手机号码",)),
        Column(name="status", name_zh="户籍状态", max_length=10, sensitivity=Sensitivity.INTERNAL,
               description="正常 / 迁出 / 死亡"),
        Column(name="registered_date", name_zh="登记日期", type=ColumnType.DATE, max_length=20,
               sensitivity=Sensitivity.INTERNAL, event_of=("self",)),
    ),
)

RESIDENCE_PERMIT = SourceContract(
    department="gongan",
    department_zh="县公安局",
    table="residence_permit",
    table_zh="居住证办理信息",
    sharing=Sharing(sequence=2, sharing_type=SharingType.CONDITIONAL, condition="仅向依法履职需要核验该信息的政府部门共享，用于流动人口服务和管理，须经提供方审批", open_attribute=OpenAttribute.NOT_OPEN),
    description="每月办理的居住证 (non-registered residents who applied for a residence permit)",
    file_pattern=r"^居住证办理.*\.xlsx$",
    format="xlsx",
    sheets=("居住证",),
    delivery_mode=DeliveryMode.INCREMENTAL,
    update_cycle=UpdateCycle.MONTHLY,
    key=("permit_no",),
    parties=(
        Party(role="self", kind="person", fields={
            "name": "name", "id_number": "id_number", "gender": "gender",
            "birth_date": "birth_date", "phone": "phone", "address": "residence_address"}),
    ),
    columns=(
        Column(name="permit_no", name_zh="居住证编号", required=True, max_length=30),
        Column(name="name", name_zh="姓名", required=True, max_length=50, sensitivity=PERSONAL),
        Column(name="gender", name_zh="性别", type=ColumnType.GENDER, max_length=4, sensitivity=PERSONAL),
        Column(name="id_number", name_zh="公民身份号码", type=ColumnType.ID_NUMBER, required=True,
               max_length=20, sensitivity=SENSITIVE, aliases=("身份证号",)),
        Column(name="birth_date", name_zh="出生日期", type=ColumnType.DATE, max_length=20,
               sensitivity=PERSONAL),
        Column(name="hukou_address", name_zh="户籍地址", max_length=200, sensitivity=PERSONAL),
        Column(name="residence_address", name_zh="居住地址", max_length=200, sensitivity=PERSONAL,
               aliases=("现住址",)),
        Column(name="phone", name_zh="联系电话", type=ColumnType.PHONE, max_length=30,
               sensitivity=PERSONAL),
        Column(name="employer", name_zh="工作单位", max_length=100, sensitivity=PERSONAL),
        Column(name="apply_date", name_zh="申领日期", type=ColumnType.DATE, required=True,
               max_length=20, event_of=("self",)),
        Column(name="valid_to", name_zh="有效期至", type=ColumnType.DATE, max_length=20,
               not_before=("apply_date",)),
        Column(name="issuer", name_zh="签发机关", max_length=100, sensitivity=Sensitivity.PUBLIC),
    ),
)

CONTRACTS = [HOUSEHOLD_REGISTER, RESIDENCE_PERMIT]
