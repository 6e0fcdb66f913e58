"""Civil affairs bureau (县民政局): marriages, subsistence allowances, social organisations,
deaths and cremations, and the standard place-name and address register."""

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
DEPT, DEPT_ZH = "minzheng", "县民政局"


def _c(name: str, zh: str, t: ColumnType = T.TEXT, *, req: bool = False, n: int = 50,
       s: Sensitivity = INTERNAL, aliases: tuple[str, ...] = (), d: str = "",
       event_of: tuple[str, ...] = (), not_before: tuple[str, ...] = ()) -> Column:
    return Column(name=name, name_zh=zh, type=t, required=req, max_length=n, sensitivity=s,
                  aliases=aliases, description=d, event_of=event_of, not_before=not_before)


MARRIAGE = SourceContract(
    department=DEPT, department_zh=DEPT_ZH, table="marriage_registration", table_zh="婚姻登记信息",
    sharing=Sharing(sequence=1, sharing_type=SharingType.CONDITIONAL, condition="仅向依法履职需要核验该信息的政府部门共享，用于婚姻状况核验，须经提供方审批", open_attribute=OpenAttribute.NOT_OPEN),
    description="每月婚姻登记，结婚和离婚各一个工作表 (one row per registration, both parties)",
    file_pattern=r"^婚姻登记.*\.xlsx$", format="xlsx", sheets=("结婚登记", "离婚登记"),
    delivery_mode=DeliveryMode.INCREMENTAL, update_cycle=UpdateCycle.MONTHLY,
    key=("certificate_no",),
    parties=(
        Party(role="husband", kind="person", fields={
            "name": "male_name", "id_number": "male_id_number", "birth_date": "male_birth_date",
            "address": "male_address"}),
        Party(role="wife", kind="person", fields={
            "name": "female_name", "id_number": "female_id_number",
            "birth_date": "female_birth_date", "address": "female_address"}),
    ),
    columns=(
        _c("certificate_no", "登记证字号", req=True, n=30),
        _c("registration_type", "登记类型", T.CODE, n=10, d="结婚 / 离婚"),
        _c("male_name", "男方姓名", req=True, s=PERSONAL),
        _c("male_id_number", "男方身份证号", T.ID_NUMBER, n=20, s=SENSITIVE, aliases=("男方证件号码",)),
        _c("male_birth_date", "男方出生日期", T.DATE, n=20, s=PERSONAL),
        _c("male_address", "男方户籍地址", n=200, s=PERSONAL),
        _c("female_name", "女方姓名", req=True, s=PERSONAL),
        _c("female_id_number", "女方身份证号", T.ID_NUMBER, n=20, s=SENSITIVE, aliases=("女方证件号码",)),
        _c("female_birth_date", "女方出生日期", T.DATE, n=20, s=PERSONAL),
        _c("female_address", "女方户籍地址", n=200, s=PERSONAL),
        _c("registration_date", "登记日期", T.DATE, req=True, n=20, event_of=("husband", "wife")),
        _c("office", "登记机关", n=100, s=PUBLIC),
    ),
)

SUBSISTENCE = SourceContract(
    department=DEPT, department_zh=DEPT_ZH, table="subsistence_allowance", table_zh="最低生活保障金发放",
    sharing=Sharing(sequence=2, sharing_type=SharingType.CONDITIONAL, condition="仅向依法履职需要核验该信息的政府部门共享，用于社会救助审核和死亡人员待遇核查，须经提供方审批", open_attribute=OpenAttribute.NOT_OPEN, items={"bank_account": ItemSharing(sharing_type=SharingType.NOT_SHARED, condition="《社会救助暂行办法》：救助对象银行账户仅用于资金发放，不予共享")}),
    description="每月低保金发放明细 (one row per household head per month)",
    file_pattern=r"^低保发放.*\.csv$", format="csv", encoding="gbk",
    delivery_mode=DeliveryMode.INCREMENTAL, update_cycle=UpdateCycle.MONTHLY,
    key=("month", "id_number"),
    parties=(Party(role="self", kind="person", fields={
        "name": "name", "id_number": "id_number", "phone": "phone"}),),
    columns=(
        _c("township", "乡镇（街道）", n=50, aliases=("乡镇",)),
        _c("village", "村（社区）", n=50, aliases=("村居",)),
        _c("name", "户主姓名", req=True, s=PERSONAL, aliases=("姓名",)),
        _c("id_number", "身份证号码", T.ID_NUMBER, req=True, n=20, s=SENSITIVE, aliases=("公民身份号码",)),
        _c("household_size", "家庭人口", T.INTEGER, n=4, s=SENSITIVE),
        _c("covered_persons", "保障人数", T.INTEGER, n=4, s=SENSITIVE),
        _c("category", "保障类别", T.CODE, n=20, s=SENSITIVE, d="城市低保 / 农村低保"),
        _c("amount", "发放金额（元）", T.AMOUNT, req=True, n=20, s=SENSITIVE, aliases=("发放金额",)),
        _c("month", "发放月份", req=True, n=10, d="YYYYMM", event_of=("self",)),
        _c("bank_account", "银行账号", n=30, s=SENSITIVE),
        _c("phone", "联系电话", T.PHONE, n=30, s=PERSONAL),
    ),
)

SOCIAL_ORG = SourceContract(
    department=DEPT, department_zh=DEPT_ZH, table="social_organization", table_zh="社会组织登记信息",
    sharing=Sharing(sequence=3, sharing_type=SharingType.UNCONDITIONAL, open_attribute=OpenAttribute.CONDITIONAL, open_condition="登记信息按规定公开，法定代表人证件号码不予开放", items={"legal_rep_id": ItemSharing(sharing_type=SharingType.CONDITIONAL, condition="证件号码仅在提供方审批后用于身份核验", open_attribute=OpenAttribute.NOT_OPEN)}),
    description="社会组织名录，每年全量 (social groups, private non-enterprise units, foundations)",
    file_pattern=r"^社会组织.*\.xlsx$", format="xlsx", sheets=("社会组织名录",),
    delivery_mode=DeliveryMode.SNAPSHOT, update_cycle=UpdateCycle.YEARLY, key=("uscc",),
    parties=(
        Party(role="self", kind="org", fields={
            "name": "name", "uscc": "uscc", "legal_rep": "legal_rep", "address": "address",
            "phone": "phone", "established": "established"}),
        Party(role="legal_rep", kind="person", fields={"name": "legal_rep", "id_number": "legal_rep_id"}),
    ),
    columns=(
        _c("name", "社会组织名称", req=True, n=100, s=PUBLIC),
        _c("uscc", "统一社会信用代码", T.CREDIT_CODE, req=True, n=20, s=PUBLIC),
        _c("org_type", "社会组织类型", T.CODE, n=20, s=PUBLIC, d="社会团体 / 民办非企业单位 / 基金会"),
        _c("legal_rep", "法定代表人", s=PERSONAL),
        _c("legal_rep_id", "法定代表人身份证号", T.ID_NUMBER, n=20, s=SENSITIVE),
        _c("supervisor", "业务主管单位", n=100, s=PUBLIC),
        _c("address", "住所", n=200, s=PUBLIC),
        _c("established", "成立登记日期", T.DATE, n=20, s=PUBLIC),
        _c("capital", "注册资金（万元）", T.AMOUNT, n=20, s=PUBLIC),
        _c("status", "登记状态", T.CODE, n=10, s=PUBLIC),
        _c("phone", "联系电话", T.PHONE, n=30),
    ),
)

DEATH_CREMATION = SourceContract(
    department=DEPT, department_zh=DEPT_ZH, table="death_cremation", table_zh="死亡火化信息",
    sharing=Sharing(sequence=4, sharing_type=SharingType.CONDITIONAL, condition="仅向依法履职需要核验该信息的政府部门共享，用于死亡人员待遇停发和户籍注销核查，须经提供方审批", open_attribute=OpenAttribute.NOT_OPEN),
    description="殡仪馆每月火化登记 (one row per cremation)",
    file_pattern=r"^殡葬火化.*\.csv$", format="csv", encoding="utf-8",
    delivery_mode=DeliveryMode.INCREMENTAL, update_cycle=UpdateCycle.MONTHLY, key=("cremation_no",),
    parties=(
        Party(role="self", kind="person", fields={
            "name": "name", "id_number": "id_number", "gender": "gender", "address": "address"},
            one_per_person=True),  # a deceased is cremated once
        Party(role="family_contact", kind="person", fields={"name": "family_name", "phone": "family_phone"}),
    ),
    columns=(
        _c("cremation_no", "火化证明编号", req=True, n=30),
        _c("name", "逝者姓名", req=True, s=PERSONAL, aliases=("姓名",)),
        _c("gender", "性别", T.GENDER, n=4, s=PERSONAL),
        _c("id_number", "身份证号", T.ID_NUMBER, n=20, s=SENSITIVE),
        _c("age", "年龄", T.INTEGER, n=4, s=PERSONAL),
        _c("death_date", "死亡日期", T.DATE, req=True, n=20, s=PERSONAL, event_of=("self",)),
        _c("cremation_date", "火化日期", T.DATE, n=20, event_of=("self",), not_before=("death_date",)),
        _c("address", "户籍地址", n=200, s=PERSONAL),
        _c("family_name", "家属姓名", s=PERSONAL),
        _c("family_phone", "家属联系电话", T.PHONE, n=30, s=PERSONAL),
        _c("funeral_home", "殡仪馆", n=100, s=PUBLIC),
    ),
)

ADDRESS_REGISTER = SourceContract(
    department=DEPT, department_zh=DEPT_ZH, table="address_register", table_zh="标准地名地址",
    sharing=Sharing(sequence=5, sharing_type=SharingType.UNCONDITIONAL, open_attribute=OpenAttribute.OPEN),
    description="标准地名地址库，含坐标 (one row per standard address, WGS 84)",
    file_pattern=r"^标准地址.*\.csv$", format="csv", encoding="utf-8-sig",
    delivery_mode=DeliveryMode.SNAPSHOT, update_cycle=UpdateCycle.YEARLY, key=("address_code",),
    columns=(
        _c("address_code", "地址编码", req=True, n=30, s=PUBLIC),
        _c("standard_address", "标准地址", req=True, n=200, s=PUBLIC),
        _c("township_code", "乡镇（街道）代码", T.DIVISION_CODE, n=12, s=PUBLIC),
        _c("township_name", "乡镇（街道）名称", n=50, s=PUBLIC),
        _c("village_code", "村（社区）代码", T.DIVISION_CODE, n=12, s=PUBLIC),
        _c("village_name", "村（社区）名称", n=50, s=PUBLIC),
        _c("road", "街路巷（自然村）", n=50, s=PUBLIC),
        _c("house_number", "门牌号", n=20, s=PUBLIC),
        _c("building", "楼栋号", n=20, s=PUBLIC),
        _c("unit", "单元号", n=20, s=PUBLIC),
        _c("room", "户室号", n=20, s=PUBLIC),
        _c("lon", "经度", T.DECIMAL, n=20, s=PUBLIC),
        _c("lat", "纬度", T.DECIMAL, n=20, s=PUBLIC),
    ),
)

CONTRACTS = [MARRIAGE, SUBSISTENCE, SOCIAL_ORG, DEATH_CREMATION, ADDRESS_REGISTER]
