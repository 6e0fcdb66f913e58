"""The source-contract schema: one contract per department source table.

A contract is the single source of truth for a source's shape. The generator writes files from
it, the ingest reads with it, dbt sources and staging renames are generated from it, and column
sensitivity drives `mask()` on everything that leaves the warehouse.
"""

from __future__ import annotations

import re
from enum import StrEnum
from functools import cached_property
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator


class Sensitivity(StrEnum):
    """How a column may leave the warehouse (least to most protected)."""

    PUBLIC = "public"
    INTERNAL = "internal"
    PERSONAL = "personal"
    SENSITIVE = "sensitive"


class ColumnType(StrEnum):
    """The staging type of a column; raw keeps every column as text."""

    TEXT = "text"
    INTEGER = "integer"
    DECIMAL = "decimal"
    AMOUNT = "amount"  # money; may be delivered with separators and units (万元)
    DATE = "date"
    TIMESTAMP = "timestamp"
    BOOLEAN = "boolean"
    CODE = "code"  # an enumerated code value (category 01, status ...)
    GENDER = "gender"  # GB/T 2261.1: 1 male, 2 female (delivered as 男/女/1/2/M/F)
    ID_NUMBER = "id_number"  # GB 11643 citizen identity number
    CREDIT_CODE = "credit_code"  # GB 32100 unified social credit code
    ORG_CODE = "org_code"  # GB 11714 organisation code
    DIVISION_CODE = "division_code"  # GB/T 2260 / statistics division code
    PHONE = "phone"
    GEOMETRY = "geometry"  # GeoJSON geometry kept as text
    JSON = "json"


class DeliveryMode(StrEnum):
    SNAPSHOT = "snapshot"  # each delivery is the full current list; the latest one is current
    INCREMENTAL = "incremental"  # every delivery adds rows


class UpdateCycle(StrEnum):
    """Catalog update cycles (更新周期)."""

    REALTIME = "realtime"  # 实时
    DAILY = "daily"  # 每日
    WEEKLY = "weekly"  # 每周
    MONTHLY = "monthly"  # 每月
    QUARTERLY = "quarterly"  # 每季度
    YEARLY = "yearly"  # 每年

    @property
    def name_zh(self) -> str:
        return {
            "realtime": "实时",
            "daily": "每日",
            "weekly": "每周",
            "monthly": "每月",
            "quarterly": "每季度",
            "yearly": "每年",
        }[self.value]

    @property
    def max_age_days(self) -> int:
        """How old the newest delivery may be before the source counts as late."""
        return {
            "realtime": 1,
            "daily": 2,
            "weekly": 8,
            "monthly": 31,
            "quarterly": 92,
            "yearly": 366,
        }[self.value]


class SharingType(StrEnum):
    """共享类型 of the 2017 catalog guideline, least to most restrictive (value: its name)."""

    UNCONDITIONAL = "无条件共享"
    CONDITIONAL = "有条件共享"
    NOT_SHARED = "不予共享"

    @property
    def rank(self) -> int:
        """The template's code (1, 2, 3), which also orders them by restriction."""
        return {"无条件共享": 1, "有条件共享": 2, "不予共享": 3}[self.value]


class SharingMethod(StrEnum):
    """共享方式."""

    PLATFORM = "共享平台方式"  # interface or exchange platform
    EMAIL = "邮件方式"
    MEDIA = "介质方式"  # offline media


class OpenAttribute(StrEnum):
    """开放属性 (Shandong's wording), least to most restrictive."""

    OPEN = "无条件开放"
    CONDITIONAL = "有条件开放"
    NOT_OPEN = "不予开放"


class ItemSharing(BaseModel):
    """A column's own sharing and open attributes where they differ from its resource's."""

    model_config = ConfigDict(frozen=True)

    sharing_type: SharingType | None = None
    condition: str = Field("", description="for 有条件共享: who may receive it; for 不予共享: the basis")
    open_attribute: OpenAttribute | None = None


class Sharing(BaseModel):
    """A source table's catalog attributes: how it is shared between departments and opened.

    The catalog (pipelines.catalog) reads these and checks its rules on every build (a
    conditional resource names its condition, a refused one cites its basis, ...), so a contract
    can be written with them wrong and be told exactly what is wrong.
    """

    model_config = ConfigDict(frozen=True)

    sequence: int = Field(ge=1, description="顺序码: number of the resource within its classification")
    sharing_type: SharingType
    condition: str = Field("", description="共享条件 (有条件共享) or the legal/policy basis (不予共享)")
    method: SharingMethod = SharingMethod.PLATFORM
    open_attribute: OpenAttribute = OpenAttribute.NOT_OPEN
    open_condition: str = ""
    items: dict[str, ItemSharing] = Field(
        default_factory=dict, description="per-column overrides, by the column's English name"
    )


FileFormat = Literal["csv", "xlsx", "json", "jsonl", "geojson"]
PartyKind = Literal["person", "org"]

# Fields of the resolution contract (see the entity-resolution issue).
PERSON_FIELDS = ("name", "id_number", "gender", "birth_date", "phone", "address")
ORG_FIELDS = ("name", "uscc", "legal_rep", "address", "phone", "established")

_SNAKE = re.compile(r"^[a-z][a-z0-9_]*$")


class Column(BaseModel):
    """One delivered column."""

    model_config = ConfigDict(frozen=True)

    name: str = Field(description="English snake_case name used from staging on")
    name_zh: str = Field(description="the header as the department delivers it (数据项名称)")
    type: ColumnType = ColumnType.TEXT
    required: bool = False
    max_length: int | None = Field(None, description="longest value accepted, in characters")
    sensitivity: Sensitivity = Sensitivity.INTERNAL
    aliases: tuple[str, ...] = Field((), description="other headers seen for this column")
    description: str = ""
    event_of: tuple[str, ...] = Field(
        (),
        description="party roles this date is an event of: it cannot precede their birth (a "
        "person) or establishment (an organisation); e.g. a marriage registration of both spouses",
    )
    not_before: tuple[str, ...] = Field(
        (),
        description="date columns of the same row this one cannot precede (valid-to after "
        "valid-from, a cremation after the death)",
    )

    @model_validator(mode="after")
    def _check(self) -> Column:
        if not _SNAKE.match(self.name):
            raise ValueError(f"column name {self.name!r} is not snake_case")
        return self

    @property
    def headers(self) -> tuple[str, ...]:
        """Every header that identifies this column: the delivered one first, then aliases."""
        return (self.name_zh, *self.aliases)


class Party(BaseModel):
    """A party (person or organisation) a row holds, and which columns describe it.

    `fields` maps resolution-contract fields (PERSON_FIELDS / ORG_FIELDS) to column names.
    `one_per_person` declares that the source issues at most one record per person in this role
    (a birth certificate per child, a death certificate or a cremation per deceased): two of its
    records in this role with different keys (`SourceContract.key`, the certificate number) are
    two people, a fact no comparison of names and dates can establish (unnamed twins, two babies
    of one name born on one day). The key reaches the resolver as `issued_key` of
    `int_person_records`; the same key twice is the same record delivered again.
    """

    model_config = ConfigDict(frozen=True)

    role: str = Field(description="`self`, `applicant`, `spouse`, `guardian`, `legal_rep`, ...")
    kind: PartyKind
    fields: dict[str, str]
    one_per_person: bool = Field(
        False, description="the source issues at most one record per person in this role (see above)"
    )
    when: str = Field(
        "",
        description="a SQL condition over the staged row's columns (English names, portable between "
        "DuckDB and Spark) under which the row holds this party; empty: every row. A utility's "
        "customer list holds households and businesses in one file: its holder is a person only on "
        "a residential account",
    )


class SourceContract(BaseModel):
    """A department's source table as delivered."""

    model_config = ConfigDict(frozen=True)

    department: str = Field(description="short ASCII code, also the landing folder name")
    department_zh: str
    table: str
    table_zh: str
    file_pattern: str = Field(description="regular expression matched against the file name")
    format: FileFormat
    encoding: str = Field("utf-8", description="encoding the department usually sends")
    sheets: tuple[str, ...] = Field((), description="XLSX sheets holding data (all if empty)")
    delivery_mode: DeliveryMode
    update_cycle: UpdateCycle
    key: tuple[str, ...] = Field(description="columns (English names) identifying a record")
    parties: tuple[Party, ...] = ()
    columns: tuple[Column, ...]
    description: str = ""
    sharing: Sharing | None = Field(None, description="catalog sharing and open attributes (共享/开放属性)")

    @model_validator(mode="after")
    def _check(self) -> SourceContract:
        names = [c.name for c in self.columns]
        if len(set(names)) != len(names):
            raise ValueError(f"{self.source}: duplicate column names")
        headers = [h for c in self.columns for h in c.headers]
        if len(set(headers)) != len(headers):
            raise ValueError(f"{self.source}: a header or alias is used twice")
        missing = [k for k in self.key if k not in names]
        if missing:
            raise ValueError(f"{self.source}: key columns {missing} are not columns")
        for party in self.parties:
            allowed = PERSON_FIELDS if party.kind == "person" else ORG_FIELDS
            bad = [f for f in party.fields if f not in allowed]
            unknown = [c for c in party.fields.values() if c not in names]
            if bad or unknown:
                raise ValueError(f"{self.source}: party {party.role}: bad fields {bad + unknown}")
            if party.one_per_person and party.kind != "person":
                raise ValueError(f"{self.source}: party {party.role}: one_per_person is for persons")
        roles = {p.role for p in self.parties}
        for col in self.columns:
            unknown_roles = [r for r in col.event_of if r not in roles]
            unknown_columns = [c for c in col.not_before if c not in names or c == col.name]
            if unknown_roles or unknown_columns:
                raise ValueError(
                    f"{self.source}: column {col.name}: event_of {unknown_roles} are not parties, "
                    f"not_before {unknown_columns} are not other columns"
                )
        re.compile(self.file_pattern)
        return self

    @property
    def source(self) -> str:
        """`<department>__<table>`: the raw table name and the `source` of its records."""
        return f"{self.department}__{self.table}"

    @property
    def raw_table(self) -> str:
        return f"raw.{self.source}"

    @cached_property
    def _pattern(self) -> re.Pattern[str]:
        return re.compile(self.file_pattern)

    def matches(self, file_name: str) -> bool:
        return self._pattern.search(file_name) is not None

    def column(self, name: str) -> Column:
        for col in self.columns:
            if col.name == name:
                return col
        raise KeyError(f"{self.source} has no column {name!r}")

    def column_for_header(self, header: str) -> Column | None:
        """The column a delivered header means (its name as delivered or a known alias)."""
        cleaned = header.strip().replace("\u3000", "").replace("\ufeff", "")
        for col in self.columns:
            if cleaned in col.headers or cleaned == col.name:
                return col
        return None

    def start_column(self, role: str) -> str | None:
        """The column dating a party's start: a person's birth date, an organisation's
        establishment (the party's `birth_date` / `established` field), if the row has one."""
        for party in self.parties:
            if party.role == role:
                return party.fields.get("birth_date" if party.kind == "person" else "established")
        return None

    def party(self, role: str) -> Party:
        for party in self.parties:
            if party.role == role:
                return party
        raise KeyError(f"{self.source} has no party {role!r}")

    @property
    def required_columns(self) -> tuple[Column, ...]:
        return tuple(c for c in self.columns if c.required)
