"""GET /api/v1/me — who the caller is and what the active role may do."""

from __future__ import annotations

from datetime import datetime

from ninja import Router, Schema

from ganxun.access.policies import AUTHENTICATED
from ganxun.access.roles import ROLE_PERMISSIONS, Role
from ganxun.api.auth import caller_token, permission
from ganxun.api.errors import responses
from ganxun.api.schemas import label

router = Router(tags=["账号"])


class ScopeOut(Schema):
    id: int
    name: str
    kind: str
    kind_label: str


class RoleOut(Schema):
    id: int
    role: str
    role_label: str
    scope: ScopeOut


class TokenOut(Schema):
    name: str
    prefix: str
    expires_at: datetime | None


class MeOut(Schema):
    id: int
    username: str
    full_name: str
    auth: str  # "token" or "session"
    token: TokenOut | None
    active_role: RoleOut | None
    permissions: list[str]


@router.get("/me", response=responses({200: MeOut}), summary="当前调用者")
@permission(AUTHENTICATED)
def me(request):
    """The account, its active role with the scope node, and that role's permissions.

    A token always acts with the one role it was issued for; a session with the role
    chosen on the web pages.
    """
    account = request.auth
    role = account.active_role
    token = caller_token(request)
    return {
        "id": account.pk,
        "username": account.username,
        "full_name": account.full_name,
        "auth": "token" if token is not None else "session",
        "token": {"name": token.name, "prefix": token.prefix, "expires_at": token.expires_at} if token else None,
        "active_role": None if role is None else {
            "id": role.pk,
            "role": role.role,
            "role_label": label(Role, role.role),
            "scope": {"id": role.scope.pk, "name": role.scope.name, "kind": role.scope.kind,
                      "kind_label": role.scope.get_kind_display()},
        },
        "permissions": sorted(ROLE_PERMISSIONS.get(role.role, ())) if role is not None else [],
    }
