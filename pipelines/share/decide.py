"""Deciding a request by the catalog: unconditional items are granted; conditional ones only with
the providing department's approval whose period covers the as-of date; items not shared (or whose
own type is stricter than the resource's and not satisfied) are refused, each with its reason.

Pure functions of the files, the catalog and the as-of date: the same inputs decide the same way.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

from pipelines.catalog.sources import ItemSpec, ResourceSpec
from pipelines.contracts.schema import SharingType
from pipelines.share.files import Approval, Loaded, ShareRequest
from pipelines.standards.masking import MASKED_SENSITIVITIES

GRANTED, PARTIAL, REFUSED, EXPIRED, WITHDRAWN, MALFORMED, HELD = (
    "granted", "partial", "refused", "expired", "withdrawn", "malformed", "held")
STATUSES = (GRANTED, PARTIAL, REFUSED, EXPIRED, WITHDRAWN, MALFORMED, HELD)


@dataclass(frozen=True)
class ItemDecision:
    item: str
    granted: bool
    masked: bool
    reason: str


@dataclass(frozen=True)
class Decision:
    """The decision on one request file."""

    request_id: str
    request_file: str
    status: str
    reason: str
    requester: str | None = None
    provider: str | None = None
    resource: ResourceSpec | None = None
    request: ShareRequest | None = None
    approval: Loaded | None = None
    items: tuple[ItemDecision, ...] = field(default_factory=tuple)

    @property
    def granted_items(self) -> tuple[ItemDecision, ...]:
        return tuple(i for i in self.items if i.granted)

    @property
    def serves_package(self) -> bool:
        return self.status in (GRANTED, PARTIAL)


def effective_type(resource: ResourceSpec, item: ItemSpec) -> SharingType:
    """The stricter of the resource's 共享类型 and the item's own."""
    types = [SharingType(resource.sharing_type)]  # type: ignore[arg-type]
    if item.sharing_type:
        types.append(SharingType(item.sharing_type))
    return max(types, key=lambda t: t.rank)


def _approval_for(
    request: ShareRequest, provider: str, approvals: Sequence[Loaded], as_of: date
) -> tuple[Loaded | None, str]:
    """The provider's valid approval of the request, or None and why there is none."""
    mine = [a for a in approvals if a.raw_id == request.request_id]
    if not mine:
        return None, f"no approval by the provider ({provider}) in approvals/{provider}/"
    reasons = []
    for loaded in mine:
        approval: Approval | None = loaded.model
        if loaded.department == request.requester:
            reasons.append(f"{loaded.relative}: approved by the requesting department itself, which cannot approve its own request")
        elif loaded.department != provider:
            reasons.append(f"{loaded.relative}: approved by {loaded.department}, not by the provider {provider}")
        elif approval is None:
            reasons.append(f"{loaded.error} (approval refused)")
        elif approval.approved_on > as_of:
            reasons.append(f"{loaded.relative}: approved on {approval.approved_on}, after the as-of date {as_of}")
        elif not approval.period.covers(as_of):
            word = "expired on" if approval.period.end < as_of else "starts on"
            day = approval.period.end if approval.period.end < as_of else approval.period.start
            reasons.append(f"{loaded.relative}: the approval {word} {day}")
        else:
            return loaded, ""
    return None, "; ".join(reasons)


def decide(
    loaded: Loaded,
    resources: Mapping[str, ResourceSpec],
    departments: Mapping[str, str],
    approvals: Sequence[Loaded],
    as_of: date,
    seen_ids: Mapping[str, str],
) -> Decision:
    """Decide one request file.

    Args:
        loaded: the request file as read.
        resources: 信息资源代码 -> resource.
        departments: department code -> Chinese name.
        approvals: every approval file as read.
        as_of: the settings' as-of date.
        seen_ids: request ids already decided -> their file (an id is used once).
    """
    request_id = loaded.raw_id or loaded.path.stem
    if loaded.model is None:
        return Decision(request_id, loaded.relative, MALFORMED, loaded.error or "unreadable")
    request: ShareRequest = loaded.model
    where = loaded.relative

    def malformed(field_name: str, reason: str) -> Decision:
        return Decision(request.request_id, where, MALFORMED, f"{where}: field {field_name}: {reason}",
                        requester=request.requester, request=request)

    if request.request_id in seen_ids:
        return malformed("request_id", f"{request.request_id} is already used by {seen_ids[request.request_id]}")
    if request.requester not in departments:
        return malformed("requester", f"{request.requester!r} is not a known department")
    resource = resources.get(request.resource)
    if resource is None:
        return malformed("resource", f"{request.resource!r} is not a 信息资源代码 of the catalog")
    unknown = [name for name in request.items if resource.item(name) is None]
    if unknown:
        return malformed("items", f"{', '.join(unknown)} not 信息项 of {request.resource} ({resource.name})")
    if len(set(request.items)) != len(request.items):
        return malformed("items", "an item is listed twice")
    base = dict(request_id=request.request_id, request_file=where, requester=request.requester,
                provider=resource.provider, resource=resource, request=request)
    if request.withdrawn:
        return Decision(**base, status=WITHDRAWN, reason="withdrawn by the requester")
    if request.period.end < as_of:
        return Decision(**base, status=EXPIRED, reason=f"the request's period ended on {request.period.end}")
    if request.period.start > as_of:
        return Decision(**base, status=REFUSED, reason=f"the request's period starts on {request.period.start}, after {as_of}")
    if request.requester == resource.provider:
        return Decision(**base, status=REFUSED, reason="a department does not request its own resource")
    approval, no_approval = _approval_for(request, resource.provider, approvals, as_of)
    clear = set(approval.model.clear_items) if approval is not None else set()
    items = []
    for name in request.items:
        spec = resource.item(name)
        assert spec is not None
        kind = effective_type(resource, spec)
        own = " (the item's own type)" if spec.sharing_type and kind.value == spec.sharing_type else ""
        if kind is SharingType.NOT_SHARED:
            basis = spec.sharing_condition if spec.sharing_type == kind.value else resource.sharing_condition
            items.append(ItemDecision(name, False, False, f"不予共享{own}: {basis}"))
            continue
        if kind is SharingType.CONDITIONAL and approval is None:
            items.append(ItemDecision(name, False, False, f"有条件共享{own} needs the provider's approval: {no_approval}"))
            continue
        personal = spec.sensitivity in {s.value for s in MASKED_SENSITIVITIES}
        in_clear = personal and name in clear
        if kind is SharingType.CONDITIONAL:
            approver = approval.model  # type: ignore[union-attr]
            why = f"有条件共享{own}: approved by {approver.approver} on {approver.approved_on} ({approval.relative})"  # type: ignore[union-attr]
        else:
            why = "无条件共享"
        if personal:
            why += "; granted in clear by the approval" if in_clear else f"; {spec.sensitivity}: masked"
        items.append(ItemDecision(name, True, personal and not in_clear, why))
    granted = sum(i.granted for i in items)
    status = GRANTED if granted == len(items) else PARTIAL if granted else REFUSED
    refused = [f"{i.item}: {i.reason}" for i in items if not i.granted]
    reason = "every item granted" if not refused else "; ".join(refused)
    return Decision(**base, status=status, reason=reason, approval=approval, items=tuple(items))


def hold(decision: Decision, closed: set[str]) -> Decision:
    """A request that would be served from a library whose quality gate is closed is held."""
    if not decision.serves_package or decision.resource is None:
        return decision
    library = decision.resource.table.split(".")[0]
    if library not in closed:
        return decision
    from dataclasses import replace

    return replace(decision, status=HELD,
                   reason=f"the {library} quality gate is closed: no new package; an earlier one stays as it was")


def decide_all(
    requests: Sequence[Loaded],
    resources: Mapping[str, ResourceSpec],
    departments: Mapping[str, str],
    approvals: Sequence[Loaded],
    as_of: date,
) -> list[Decision]:
    """Decide every request file, in file order (a repeated request id is malformed)."""
    seen: dict[str, str] = {}
    out = []
    for loaded in requests:
        decision = decide(loaded, resources, departments, approvals, as_of, seen)
        if loaded.model is not None:
            seen.setdefault(decision.request_id, loaded.relative)
        out.append(decision)
    return out
