"""Writes on the organisation tree. Nothing is ever hard-deleted: nodes are deactivated."""

from __future__ import annotations

import uuid
from collections.abc import Callable

from django.db import IntegrityError, transaction
from django.db.models import CharField, F, Value
from django.db.models.functions import Concat, Substr

from ganxun.access import scope
from ganxun.audit.services import audit_record
from ganxun.core.errors import DomainError, Forbidden
from ganxun.core.text import clean, clean_code
from ganxun.org.models import Category, Organisation

Kind = Organisation.Kind
Level = Organisation.RegionLevel

# Higher apps (people, later classes) refuse the deactivation of a node that
# still has live records hanging on it: fn(org) -> reason or None.
_deactivation_guards: list[Callable[[Organisation], str | None]] = []


def register_deactivation_guard(guard: Callable[[Organisation], str | None]) -> None:
    if guard not in _deactivation_guards:
        _deactivation_guards.append(guard)


def check_placement(*, kind: str, region_level: str, parent: Organisation | None) -> None:
    """Where a node of `kind` may hang: the tree's shape rules."""
    if kind == Kind.REGION:
        expected_parent = {Level.PROVINCE: None, Level.CITY: Level.PROVINCE, Level.COUNTY: Level.CITY}
        if region_level not in expected_parent:
            raise DomainError("请选择区域层级（省、市、县）。", field="region_level")
        wanted = expected_parent[region_level]
        if wanted is None:
            if parent is not None:
                raise DomainError("省级区域是树的根，不能有上级。", field="parent")
            return
        if parent is None or parent.kind != Kind.REGION or parent.region_level != wanted:
            raise DomainError(f"{Level(region_level).label}级区域的上级必须是{Level(wanted).label}级区域。", field="parent")
        return
    if region_level:
        raise DomainError("只有行政区域有区域层级。", field="region_level")
    if parent is None:
        raise DomainError("请选择上级。", field="parent")
    if kind == Kind.UNIT:
        if parent.kind not in (Kind.REGION, Kind.UNIT):
            raise DomainError("参训单位的上级必须是行政区域或另一个参训单位。", field="parent")
    elif parent.kind != Kind.REGION:
        raise DomainError(f"{Kind(kind).label}的上级必须是行政区域。", field="parent")


def _require_manage(actor, kind: str) -> None:
    if scope.can(actor, "org.manage"):
        return
    if kind == Kind.UNIT and scope.can(actor, "org.manage_units"):
        return
    raise Forbidden("当前角色不能维护该类组织。")


def _clean_fields(*, name: str, code: str | None, kind: str, category: str) -> tuple[str, str | None, str]:
    name = clean(name)
    if not name:
        raise DomainError("请填写名称。", field="name")
    if len(name) > 100:
        raise DomainError("名称不能超过 100 个字。", field="name")
    code = clean_code(code) or None
    if code and len(code) > 18:
        raise DomainError("代码不能超过 18 位。", field="code")
    if kind not in Kind.values:
        raise DomainError("未知的组织类型。", field="kind")
    if category and category not in Category.values:
        raise DomainError("未知的单位类别。", field="category")
    if category and kind != Kind.UNIT:
        category = ""
    return name, code, category


@transaction.atomic
def organisation_create(
    *, actor, parent: Organisation | None, kind: str, name: str, code: str | None = None,
    region_level: str = "", category: str = "", short_name: str = "", address: str = "",
    sort_order: int = 0, request=None, audit: bool = True,
) -> Organisation:
    """Add a node. `actor` None is a bootstrap/import path that has checked rights itself."""
    name, code, category = _clean_fields(name=name, code=code, kind=kind, category=category)
    if actor is not None:
        _require_manage(actor, kind)
        if parent is None:
            raise Forbidden("只有部署时可以创建根区域。")
        scope.require_within(actor, parent)
    check_placement(kind=kind, region_level=region_level, parent=parent)
    if parent is not None and not parent.is_active:
        raise DomainError("上级已停用，不能在其下新建。", field="parent")
    if code and Organisation.objects.filter(code=code).exists():
        raise DomainError(f"代码 {code} 已被其他组织使用。", code="duplicate_code", field="code")
    org = Organisation(
        name=name, code=code, kind=kind, region_level=region_level, category=category,
        short_name=clean(short_name), address=clean(address), sort_order=sort_order, parent=parent,
        path=f"/new-{uuid.uuid4().hex}/", depth=(parent.depth + 1) if parent else 0,
    )
    try:
        with transaction.atomic():
            org.save()
    except IntegrityError:
        raise DomainError(f"代码 {code} 已被其他组织使用。", code="duplicate_code", field="code") from None
    org.path = f"{parent.path if parent else '/'}{org.pk}/"
    Organisation.objects.filter(pk=org.pk).update(path=org.path)
    if audit:
        audit_record(action="org.create", request=request, actor=actor, target=org,
                     detail={"kind": kind, "parent_id": parent.pk if parent else None})
    return org


@transaction.atomic
def organisation_update(
    *, actor, org: Organisation, name: str, code: str | None = None, category: str = "",
    short_name: str = "", address: str = "", sort_order: int = 0, request=None,
) -> Organisation:
    _require_manage(actor, org.kind)
    scope.require_within(actor, org)
    name, code, category = _clean_fields(name=name, code=code, kind=org.kind, category=category)
    if code and Organisation.objects.filter(code=code).exclude(pk=org.pk).exists():
        raise DomainError(f"代码 {code} 已被其他组织使用。", code="duplicate_code", field="code")
    before = {"name": org.name, "code": org.code, "category": org.category}
    org.name, org.code, org.category = name, code, category
    org.short_name, org.address, org.sort_order = clean(short_name), clean(address), sort_order
    org.save()
    after = {"name": org.name, "code": org.code, "category": org.category}
    changed = {k: [before[k], after[k]] for k in before if before[k] != after[k]}
    if changed:
        audit_record(action="org.update", request=request, actor=actor, target=org, detail=changed)
    return org


@transaction.atomic
def organisation_move(*, actor, org: Organisation, new_parent: Organisation, request=None) -> Organisation:
    """Re-hang `org` and its whole subtree under `new_parent` (both inside the actor's scope)."""
    _require_manage(actor, org.kind)
    scope.require_within(actor, org)
    scope.require_within(actor, new_parent)
    org = Organisation.objects.select_for_update().get(pk=org.pk)
    if new_parent.path.startswith(org.path):
        raise DomainError("不能移动到自身或其下级之下。", field="parent")
    if org.parent_id == new_parent.pk:
        return org
    if not new_parent.is_active:
        raise DomainError("目标上级已停用。", field="parent")
    check_placement(kind=org.kind, region_level=org.region_level, parent=new_parent)
    old_path, old_parent_id = org.path, org.parent_id
    new_path = f"{new_parent.path}{org.pk}/"
    delta = new_parent.depth + 1 - org.depth
    Organisation.objects.filter(path__startswith=old_path).update(
        path=Concat(Value(new_path), Substr("path", len(old_path) + 1), output_field=CharField()),
        depth=F("depth") + delta,
    )
    Organisation.objects.filter(pk=org.pk).update(parent=new_parent)
    org.refresh_from_db()
    audit_record(action="org.move", request=request, actor=actor, target=org,
                 detail={"from_parent_id": old_parent_id, "to_parent_id": new_parent.pk})
    return org


@transaction.atomic
def organisation_set_active(*, actor, org: Organisation, active: bool, request=None) -> Organisation:
    """Deactivate (or reactivate) a node. A node with live children or records stays active."""
    _require_manage(actor, org.kind)
    scope.require_within(actor, org)
    if org.is_active == active:
        return org
    if not active:
        live_children = org.children.filter(is_active=True).count()
        if live_children:
            raise DomainError(f"仍有 {live_children} 个启用的下级组织，请先停用或移走。", code="has_children")
        for guard in _deactivation_guards:
            reason = guard(org)
            if reason:
                raise DomainError(reason, code="in_use")
    elif org.parent is not None and not org.parent.is_active:
        raise DomainError("上级已停用，请先启用上级。", field="parent")
    org.is_active = active
    org.save(update_fields=["is_active", "updated_at"])
    audit_record(action="org.activate" if active else "org.deactivate", request=request, actor=actor, target=org)
    return org


def organisation_can_manage(actor, kind: str) -> bool:
    """Whether the actor's role may create/edit/move/(de)activate nodes of `kind` (for showing buttons)."""
    try:
        _require_manage(actor, kind)
    except Forbidden:
        return False
    return True


def organisation_child_kinds(actor, parent: Organisation) -> list[tuple[str, str]]:
    """(kind, region_level) pairs the actor may create under `parent`, by the shape rules."""
    if not parent.is_active or not scope.path_within(actor, parent.path):
        return []
    options = [(Kind.REGION, level) for level in Level.values] + [(k, "") for k in Kind.values if k != Kind.REGION]
    allowed = []
    for kind, level in options:
        if not organisation_can_manage(actor, kind):
            continue
        try:
            check_placement(kind=kind, region_level=level, parent=parent)
        except DomainError:
            continue
        allowed.append((kind, level))
    return allowed
