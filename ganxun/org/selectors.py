"""Reads of the organisation tree, always through the scope gate."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet

from ganxun.access import scope
from ganxun.core.errors import DomainError
from ganxun.core.text import clean
from ganxun.org.models import Organisation
from ganxun.org.services import check_placement  # the tree's shape rules; services never import selectors


def organisation_list_for(
    actor, *, q: str = "", kind: str = "", include_inactive: bool = False, under: Organisation | None = None,
) -> QuerySet[Organisation]:
    qs = scope.scoped(actor, Organisation, permission="org.view").select_related("parent")
    if not include_inactive:
        qs = qs.filter(is_active=True)
    if kind:
        qs = qs.filter(kind=kind)
    if under is not None:
        qs = qs.filter(path__startswith=under.path)
    q = clean(q)
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(short_name__icontains=q) | Q(code__iexact=q))
    return qs.order_by("path")


def organisation_get_for(actor, pk) -> Organisation:
    return scope.get_for(actor, Organisation.objects.select_related("parent"), pk, permission="org.view")


def organisation_children_for(actor, parent: Organisation | None, *, include_inactive: bool = False) -> QuerySet:
    """Children of `parent`; without a parent, the actor's scope node itself is the root."""
    qs = scope.scoped(actor, Organisation, permission="org.view")
    if parent is None:
        root = scope.scope_path(actor)
        qs = qs.filter(path=root)
    else:
        qs = qs.filter(parent=parent)
    if include_inactive:
        child_count = Count("children")
    else:
        qs = qs.filter(is_active=True)
        child_count = Count("children", filter=Q(children__is_active=True))
    return qs.annotate(child_count=child_count).order_by("kind", "sort_order", "name")


def organisation_ancestors_for(actor, org: Organisation) -> list[Organisation]:
    """The chain from the actor's scope node down to `org`'s parent, for breadcrumbs."""
    ids = org.ancestor_ids()[:-1]
    visible = scope.scoped(actor, Organisation, permission="org.view").in_bulk(ids)
    return [visible[i] for i in ids if i in visible]


def unit_choices_for(actor) -> QuerySet[Organisation]:
    """Active units the actor may file people under."""
    return scope.scoped(actor, Organisation, permission="org.view").filter(
        kind=Organisation.Kind.UNIT, is_active=True
    ).order_by("path")


def organisation_paths_for(actor, orgs) -> dict[int, list[Organisation]]:
    """Breadcrumbs of many nodes at once (search results): for each node, its visible
    ancestors from the actor's scope node down to its parent, in one query."""
    orgs = list(orgs)
    wanted = {ancestor for org in orgs for ancestor in org.ancestor_ids()[:-1]}
    visible = scope.scoped(actor, Organisation, permission="org.view").in_bulk(wanted) if wanted else {}
    return {org.pk: [visible[i] for i in org.ancestor_ids()[:-1] if i in visible] for org in orgs}


def organisation_move_candidates_for(actor, org: Organisation, *, q: str = "", limit: int = 200) -> list[Organisation]:
    """Active nodes in scope under which `org` may be re-hung (the tree's shape rules of
    services.check_placement), the node's own subtree left out. The service re-checks."""
    kinds = [Organisation.Kind.REGION] + ([Organisation.Kind.UNIT] if org.kind == Organisation.Kind.UNIT else [])
    qs = organisation_list_for(actor, q=q).filter(kind__in=kinds).exclude(path__startswith=org.path)
    candidates = []
    for parent in qs[: limit * 2]:
        try:
            check_placement(kind=org.kind, region_level=org.region_level, parent=parent)
        except DomainError:
            continue
        candidates.append(parent)
        if len(candidates) >= limit:
            break
    return candidates
