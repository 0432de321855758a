"""/api/v1/organisations — the organisation tree: parse → call a service/selector → serialise."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from ninja import Field, Query, Router, Schema
from ninja.responses import Status

from ganxun.api.auth import permission
from ganxun.api.errors import responses
from ganxun.api.schemas import Id, Input, Page, PageQuery, label, page_of, text
from ganxun.core.errors import NotFound
from ganxun.org.models import Category, Organisation
from ganxun.org.selectors import organisation_get_for, organisation_list_for
from ganxun.org.services import (
    organisation_create,
    organisation_move,
    organisation_set_active,
    organisation_update,
)

router = Router(tags=["组织机构"])

Kind = Organisation.Kind
Level = Organisation.RegionLevel
MANAGE = ("org.manage", "org.manage_units")
SortOrder = Field(0, ge=-1_000_000, le=1_000_000, description="同级排序，小的在前")


class OrganisationOut(Schema):
    id: int
    name: str
    short_name: str
    code: str | None = Field(description="区域为 GB/T 2260 代码，其他为统一社会信用代码")
    kind: str
    kind_label: str
    region_level: str
    region_level_label: str
    category: str
    category_label: str
    parent_id: int | None
    depth: int
    sort_order: int
    address: str
    is_active: bool
    updated_at: datetime


class OrganisationFilters(Schema):
    q: text(50) = Field("", description="名称、简称包含，或代码完全一致")
    kind: Kind | None = None
    include_inactive: bool = False
    under: Id | None = Field(None, description="只列该组织及其下级；不在范围内的 id 不匹配任何组织")


class OrganisationCreateIn(Input):
    parent_id: Id
    kind: Kind
    name: text(100)
    code: text(18) | None = None
    region_level: Level | None = Field(None, description="仅行政区域：province / city / county")
    category: Category | None = Field(None, description="仅参训单位")
    short_name: text(40) = ""
    address: text(200) = ""
    sort_order: int = SortOrder


class OrganisationPatchIn(Input):
    """Only the fields sent change. `parent_id` moves the node with its subtree;
    `is_active` deactivates or reactivates it. All of it happens, or none."""

    name: text(100) | None = None
    code: text(18) | None = None
    category: Category | None = None
    short_name: text(40) | None = None
    address: text(200) | None = None
    sort_order: int | None = Field(None, ge=-1_000_000, le=1_000_000)
    parent_id: Id | None = None
    is_active: bool | None = None


def organisation_out(org: Organisation) -> dict:
    return {
        "id": org.pk, "name": org.name, "short_name": org.short_name, "code": org.code,
        "kind": org.kind, "kind_label": label(Kind, org.kind),
        "region_level": org.region_level, "region_level_label": label(Level, org.region_level),
        "category": org.category, "category_label": label(Category, org.category),
        "parent_id": org.parent_id, "depth": org.depth, "sort_order": org.sort_order,
        "address": org.address, "is_active": org.is_active, "updated_at": org.updated_at,
    }


def organisation_ref(actor, pk: int, *, field: str) -> Organisation:
    """An organisation named in a request body; missing and out-of-scope are the same 404."""
    try:
        return organisation_get_for(actor, pk)
    except NotFound as exc:
        exc.field = field
        raise


def _value(choice) -> str:
    return choice.value if choice is not None else ""


@router.get("/organisations", response=responses({200: Page[OrganisationOut]}, 400), summary="组织列表")
@permission("org.view")
def organisation_list(request, filters: Query[OrganisationFilters], paging: Query[PageQuery]):
    """Organisations in the caller's scope, in tree order (a parent before its children)."""
    under = None
    if filters.under is not None:
        try:
            under = organisation_get_for(request.auth, filters.under)
        except NotFound:
            return page_of(Organisation.objects.none(), paging, organisation_out)
    qs = organisation_list_for(request.auth, q=filters.q, kind=_value(filters.kind),
                               include_inactive=filters.include_inactive, under=under)
    return page_of(qs, paging, organisation_out)


@router.get("/organisations/{org_id}", response=responses({200: OrganisationOut}, 400, 404), summary="组织详情")
@permission("org.view")
def organisation_detail(request, org_id: Id):
    return organisation_out(organisation_get_for(request.auth, org_id))


@router.post("/organisations", response=responses({201: OrganisationOut}, 400, 404), summary="新建组织")
@permission(*MANAGE)
def organisation_add(request, payload: OrganisationCreateIn):
    """Create a node under `parent_id`. The tree's shape rules apply (a county under a
    city, a unit under a region or another unit…); a parent outside the caller's scope
    is 404. A code already used by another organisation is 400 `duplicate_code`."""
    parent = organisation_ref(request.auth, payload.parent_id, field="parent_id")
    org = organisation_create(
        actor=request.auth, parent=parent, kind=payload.kind.value, name=payload.name, code=payload.code,
        region_level=_value(payload.region_level), category=_value(payload.category),
        short_name=payload.short_name, address=payload.address, sort_order=payload.sort_order, request=request,
    )
    return Status(201, organisation_out(organisation_get_for(request.auth, org.pk)))


@router.patch("/organisations/{org_id}", response=responses({200: OrganisationOut}, 400, 404), summary="修改组织")
@permission(*MANAGE)
def organisation_change(request, org_id: Id, payload: OrganisationPatchIn):
    actor = request.auth
    org = organisation_get_for(actor, org_id)
    sent = payload.model_dump(exclude_unset=True)
    with transaction.atomic():
        if sent.keys() & {"name", "code", "category", "short_name", "address", "sort_order"}:
            category = sent["category"] if "category" in sent else org.category
            organisation_update(
                actor=actor, org=org,
                name=sent.get("name", org.name) or "",
                code=sent.get("code", org.code),
                category=_value(Category(category)) if category else "",
                short_name=sent.get("short_name", org.short_name) or "",
                address=sent.get("address", org.address) or "",
                sort_order=sent.get("sort_order", org.sort_order) or 0,
                request=request,
            )
        if sent.get("parent_id") is not None:
            new_parent = organisation_ref(actor, sent["parent_id"], field="parent_id")
            org = organisation_move(actor=actor, org=org, new_parent=new_parent, request=request)
        if sent.get("is_active") is not None:
            organisation_set_active(actor=actor, org=org, active=sent["is_active"], request=request)
    return organisation_out(organisation_get_for(actor, org.pk))
