"""Request and approval files: one YAML file each, read with errors that name the file, the field
and the reason (a malformed file is refused, never guessed at).

A request (`data/requests/<any name>.yaml`)::

    request_id: REQ-2026-0001        # letters, digits, . _ - (it names the package folder)
    requester: minzheng              # the requesting department (its code)
    resource: "304001/00001"         # 信息资源代码 in the catalog
    items: [name, id_number, status] # 信息项 by English name
    purpose: 核对低保对象的户籍状态
    legal_basis: 《社会救助暂行办法》第十一条
    period: {from: 2026-10-01, to: 2027-09-30}
    withdrawn: false                 # optional: true withdraws it (its package is removed)

An approval (`data/approvals/<providing department>/<any name>.yaml`; the folder is the approver's
department, so a department cannot approve in another's name, and its own requests' approvals are
refused)::

    request_id: REQ-2026-0001
    approver: 县公安局 人口管理科 李明
    approved_on: 2026-10-12
    condition: 用于核对低保对象的户籍状态   # the 共享条件 it satisfies
    period: {from: 2026-10-12, to: 2027-10-11}
    clear_items: [id_number]          # optional: personal items granted unmasked
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

_ID = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,79}$"


class Period(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True, frozen=True)

    start: date = Field(alias="from")
    end: date = Field(alias="to")

    @model_validator(mode="after")
    def _order(self) -> Period:
        if self.end < self.start:
            raise ValueError(f"ends ({self.end}) before it starts ({self.start})")
        return self

    def covers(self, day: date) -> bool:
        return self.start <= day <= self.end


class ShareRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    request_id: str = Field(pattern=_ID)
    requester: str = Field(min_length=1)
    resource: str = Field(min_length=1)
    items: tuple[str, ...] = Field(min_length=1)
    purpose: str = Field(min_length=1)
    legal_basis: str = Field(min_length=1)
    period: Period
    withdrawn: bool = False


class Approval(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    request_id: str = Field(pattern=_ID)
    approver: str = Field(min_length=1)
    approved_on: date
    condition: str = Field(min_length=1)
    period: Period
    clear_items: tuple[str, ...] = ()


@dataclass(frozen=True)
class Loaded:
    """A file as read: its model, or the reason it could not be read."""

    path: Path
    relative: str  # as shown to people: relative to the project root when under it
    model: Any | None
    error: str | None
    raw_id: str | None  # the request_id the file states, even when it is malformed
    department: str | None = None  # for approvals: the folder (the approving department)


def _describe(error: ValidationError) -> str:
    first = error.errors()[0]
    field = ".".join(str(p) for p in first.get("loc", ())) or "(file)"
    return f"field {field}: {first.get('msg', 'invalid')}"


def _load(path: Path, relative: str, model: type[BaseModel], department: str | None = None) -> Loaded:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8-sig"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        reason = str(exc).replace("\n", " ")
        return Loaded(path, relative, None, f"{relative}: not readable YAML: {reason}", None, department)
    if not isinstance(data, dict):
        return Loaded(path, relative, None, f"{relative}: expected a mapping of fields", None, department)
    raw_id = str(data["request_id"]) if data.get("request_id") is not None else None
    try:
        return Loaded(path, relative, model.model_validate(data), None, raw_id, department)
    except ValidationError as exc:
        return Loaded(path, relative, None, f"{relative}: {_describe(exc)}", raw_id, department)


def _relative(path: Path, root: Path) -> str:
    return str(path.relative_to(root)) if path.is_relative_to(root) else str(path)


def _yaml_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.glob("*.y*ml") if p.suffix in (".yaml", ".yml") and p.is_file())


def load_requests(folder: Path, root: Path) -> list[Loaded]:
    """Every request file of the folder, in file-name order."""
    if not folder.is_dir():
        return []
    return [_load(p, _relative(p, root), ShareRequest) for p in _yaml_files(folder)]


def load_approvals(folder: Path, root: Path) -> list[Loaded]:
    """Every approval file of every department folder (the folder names the approving department)."""
    if not folder.is_dir():
        return []
    found = []
    for department in sorted(p for p in folder.iterdir() if p.is_dir()):
        for path in _yaml_files(department):
            found.append(_load(path, _relative(path, root), Approval, department.name))
    return found
