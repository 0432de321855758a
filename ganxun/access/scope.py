"""The one data-scope gate.

Every read of organisation and people data starts here, for HTML pages, the
JSON API, exports and imports alike. A model declares once how its rows hang
on the organisation tree (`register`); `scoped(actor, Model, permission)` then
gives exactly the rows the actor's *active* role may see:

* the role must carry `permission` (roles.ROLE_PERMISSIONS), else nothing;
* rows are kept whose organisation path lies under the role's scope node;
* roles that may only see themselves ("self.view") get rows they own.

`get_for` turns "missing" and "not yours" into the same NotFound, so ids
cannot be probed. Services re-check write rights with `require` and
`require_within`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeVar

from django.db import models
from django.db.models import Q, QuerySet

from ganxun.access.roles import role_has
from ganxun.core.errors import Forbidden, NotFound

M = TypeVar("M", bound=models.Model)


@dataclass(frozen=True)
class ScopeRule:
    path_lookups: tuple[str, ...]
    owner_lookup: str | None


_RULES: dict[type[models.Model], ScopeRule] = {}


def register(model: type[models.Model], *, paths: tuple[str, ...], owner: str | None = None) -> None:
    """Declare how `model` is placed in the tree.

    `paths` are lookups that reach a materialised organisation path (e.g.
    "unit__path"); a row is in scope when any of them lies under the scope.
    `owner` is a lookup that reaches the owning account id, for "self" roles.
    """
    _RULES[model] = ScopeRule(tuple(paths), owner)


def rule_for(model: type[models.Model]) -> ScopeRule:
    try:
        return _RULES[model]
    except KeyError:
        raise LookupError(f"{model.__name__} has no scope rule; register it in its app's ready()") from None


def active_role(actor):
    if actor is None or not getattr(actor, "is_authenticated", False):
        return None
    return getattr(actor, "active_role", None)


def can(actor, permission: str) -> bool:
    role = active_role(actor)
    return role is not None and role_has(role.role, permission)


def require(actor, permission: str) -> None:
    if not can(actor, permission):
        raise Forbidden()


def scope_path(actor) -> str | None:
    """Materialised path of the active role's scope node, or None without a role."""
    role = active_role(actor)
    return role.scope.path if role is not None else None


def path_within(actor, path: str) -> bool:
    root = scope_path(actor)
    return root is not None and path.startswith(root)


def require_within(actor, org, *, message: str = "该组织不在您的管理范围内。") -> None:
    """Write check: `org` (an organisation) lies in the active role's subtree."""
    if org is None or not path_within(actor, org.path):
        raise NotFound(message)


def scoped(actor, model: type[M] | QuerySet, *, permission: str, self_permission: str = "self.view") -> QuerySet:
    """The rows of `model` (or of a queryset of it) that the actor may see with `permission`."""
    queryset = model if isinstance(model, QuerySet) else model._default_manager.all()
    rule = rule_for(queryset.model)
    role = active_role(actor)
    if role is None:
        return queryset.none()
    if role_has(role.role, permission):
        root = role.scope.path
        condition = Q()
        for lookup in rule.path_lookups:
            condition |= Q(**{f"{lookup}__startswith": root})
        return queryset.filter(condition)
    if rule.owner_lookup and role_has(role.role, self_permission):
        return queryset.filter(**{rule.owner_lookup: actor.pk})
    return queryset.none()


def get_for(actor, model: type[M] | QuerySet, pk, *, permission: str) -> M:
    """One row by primary key, or NotFound — for missing and out-of-scope alike."""
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise NotFound() from None
    try:
        return scoped(actor, model, permission=permission).get(pk=pk)
    except models.ObjectDoesNotExist:
        raise NotFound() from None
