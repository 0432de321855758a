"""The system administrator's management of LRS clients (/manage/lrs/clients/).

Services write the audit trail and drop the in-process credential cache of
`lrs.http`, so a disabled client or a rotated secret takes effect at once in
this process (other processes see it within `http.CACHE_SECONDS`). The secret is
returned to the caller once and only its SHA-256 is stored; it never reaches the
audit trail.
"""

from __future__ import annotations

import secrets

from django.db import transaction
from django.db.models import QuerySet

from ganxun.access import scope
from ganxun.audit.services import audit_record
from ganxun.core.errors import DomainError, NotFound
from ganxun.core.text import clean
from ganxun.lrs import http, services
from ganxun.lrs.models import LrsClient
from ganxun.org.models import Organisation

PERMISSION = "lrs.manage"
PERMISSION_FIELDS = ("can_write", "can_read_own", "can_read_all", "can_documents")


def new_secret() -> str:
    """256 random bits, URL-safe (fits a Basic credential without escaping)."""
    return secrets.token_urlsafe(32)


def _permissions_of(client: LrsClient) -> dict[str, bool]:
    return {name: getattr(client, name) for name in PERMISSION_FIELDS}


# --- selectors ---------------------------------------------------------------------------------

def lrs_client_list_for(actor) -> QuerySet[LrsClient]:
    """All clients: they are a whole-system resource, like the system admin's role."""
    scope.require(actor, PERMISSION)
    return LrsClient.objects.select_related("scope", "created_by").order_by("-is_active", "name", "id")


def lrs_client_get_for(actor, pk) -> LrsClient:
    try:
        return lrs_client_list_for(actor).get(pk=int(pk))
    except (LrsClient.DoesNotExist, TypeError, ValueError):
        raise NotFound() from None


def lrs_scope_choices_for(actor) -> QuerySet[Organisation]:
    """Regions a client may be limited to: those inside the actor's own scope."""
    root = scope.scope_path(actor) or "/-none-/"
    return Organisation.objects.filter(kind=Organisation.Kind.REGION, path__startswith=root).order_by("path")


# --- services ----------------------------------------------------------------------------------

@transaction.atomic
def lrs_client_open(
    *, actor, name: str, can_write: bool, can_read_own: bool, can_read_all: bool, can_documents: bool,
    scope_org: Organisation | None = None, request=None,
) -> tuple[LrsClient, str]:
    """A new client with a random key and secret (made by `services.lrs_client_create`),
    opened by an administrator and audited; returns the client and its secret (once)."""
    scope.require(actor, PERMISSION)
    name = clean(name)
    if not name:
        raise DomainError("请填写客户端名称（对接的系统或应用）。", field="name")
    if scope_org is not None:
        scope.require_within(actor, scope_org)
    if not (can_write or can_read_own or can_read_all or can_documents):
        raise DomainError("请至少授予一项权限，否则该客户端什么也做不了。", field="can_write")
    client, secret = services.lrs_client_create(
        name=name, scope=scope_org, can_write=can_write, can_read_own=can_read_own, can_read_all=can_read_all,
        can_documents=can_documents, created_by=actor,
    )
    audit_record(action="lrs_client.create", request=request, actor=actor, target=client, detail={
        "key": client.key, **_permissions_of(client), "scope": scope_org.name if scope_org else None,
    })
    return client, secret


@transaction.atomic
def lrs_client_set_active(*, actor, client: LrsClient, active: bool, request=None) -> LrsClient:
    """Enable or disable a client; a disabled client's requests get 401 at once."""
    scope.require(actor, PERMISSION)
    client = LrsClient.objects.select_for_update().get(pk=client.pk)
    if client.is_system and not active:
        raise DomainError("平台自身的客户端不能停用：平台的学习页面通过它写入学习记录。", code="system_client")
    if client.is_active == active:
        return client
    client.is_active = active
    client.save(update_fields=["is_active"])
    audit_record(action="lrs_client.enable" if active else "lrs_client.disable", request=request, actor=actor,
                 target=client, detail={"key": client.key})
    transaction.on_commit(http.forget_cached_clients)
    http.forget_cached_clients()
    return client


@transaction.atomic
def lrs_client_rotate_secret(*, actor, client: LrsClient, request=None) -> tuple[LrsClient, str]:
    """A new secret; the old one stops working at once. Returns the secret (once)."""
    scope.require(actor, PERMISSION)
    client = LrsClient.objects.select_for_update().get(pk=client.pk)
    secret = new_secret()
    client.secret_hash = http.secret_hash(secret)
    client.save(update_fields=["secret_hash"])
    audit_record(action="lrs_client.rotate_secret", request=request, actor=actor, target=client,
                 detail={"key": client.key})
    transaction.on_commit(http.forget_cached_clients)
    http.forget_cached_clients()
    return client, secret
