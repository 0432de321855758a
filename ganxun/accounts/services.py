"""Writes of the security admin's account pages.

The access services do the work and write the audit trail; these functions
add what only this context knows: the person link (一人一号) and the rule that
acting on an account as a whole needs the whole account inside the actor's
scope (see selectors.account_is_wholly_within). Passwords and raw tokens are
returned to the caller once and never stored or audited in clear.
"""

from __future__ import annotations

from django.db import transaction

from ganxun.access import scope
from ganxun.access import services as access
from ganxun.access.models import Account, ApiToken, RoleAssignment
from ganxun.accounts.selectors import account_is_wholly_within
from ganxun.audit.services import audit_record
from ganxun.core.errors import Conflict, DomainError, Forbidden, NotFound
from ganxun.core.text import clean, clean_name
from ganxun.org.models import Organisation
from ganxun.people.models import Person

OUTSIDE_MESSAGE = "该账号还持有您管理范围以外的角色（或人员在范围以外），此操作只能由上级安全管理员执行。"
TOKEN_MAX_DAYS = 730


def _require_wholly_within(actor: Account, account: Account) -> None:
    if not account_is_wholly_within(actor, account):
        raise Forbidden(OUTSIDE_MESSAGE, code="outside_scope")


@transaction.atomic
def account_open_for_person(*, actor: Account, person: Person, username: str, request=None) -> tuple[Account, str]:
    """Open the one account of a real person and link it; returns the account and its initial password.

    The person row is locked first, so two admins opening the same person at
    once get one account and one clear refusal (the one-to-one column would
    refuse the second link anyway).
    """
    scope.require(actor, "accounts.manage")
    if not scope.scoped(actor, Person, permission="accounts.manage").filter(pk=person.pk).exists():
        raise NotFound()
    person = Person.objects.select_for_update().get(pk=person.pk)
    if person.account_id is not None:
        existing = Account.objects.only("username").get(pk=person.account_id)
        raise Conflict(f"{person.name} 已有账号（{existing.username}）：一人只能有一个账号。",
                       code="person_has_account", field="person")
    account, password = access.account_create(
        actor=actor, username=username, full_name=person.name, request=request,
    )
    person.account = account
    person.save(update_fields=["account", "updated_at"])
    audit_record(action="person.account_link", request=request, actor=actor, target=person,
                 detail={"account_id": account.pk, "username": account.username})
    return account, password


@transaction.atomic
def account_create_external(
    *, actor: Account, username: str, full_name: str, role: str, scope_org: Organisation, note: str = "",
    request=None,
) -> tuple[Account, str]:
    """An account with no person record (e.g. another system's operator), opened with its first role.

    The role is granted in the same transaction so the account is placed in
    the tree from its first moment (an unplaced account would be invisible to
    everyone but the top security admin); any refusal leaves nothing behind.
    """
    scope.require(actor, "accounts.manage")
    scope.require(actor, "roles.assign")
    full_name = clean_name(full_name)
    if not full_name:
        raise DomainError("请填写姓名：没有人员档案的账号也须实名。", field="full_name")
    account, password = access.account_create(actor=actor, username=username, full_name=full_name, request=request)
    access.role_assign(actor=actor, account=account, role=role, scope=scope_org, note=note, request=request)
    return account, password


def account_password_reset(*, actor: Account, account: Account, request=None) -> str:
    """A new one-time password; the owner must change it at the next log-in."""
    _require_wholly_within(actor, account)
    return access.account_reset_password(actor=actor, account=account, request=request)


def account_unlock(*, actor: Account, account: Account, request=None) -> bool:
    """Clear the failed log-in lock of the account; False when it was not locked."""
    _require_wholly_within(actor, account)
    return access.throttle_clear(actor=actor, request=request, account=account) > 0


def account_activation_set(*, actor: Account, account: Account, active: bool, request=None) -> Account:
    _require_wholly_within(actor, account)
    return access.account_set_active(actor=actor, account=account, active=active, request=request)


def account_totp_reset(*, actor: Account, account: Account, request=None) -> None:
    """Remove a lost second factor; the owner enrols a new one at the next log-in if the role requires it."""
    _require_wholly_within(actor, account)
    if not account.totp_enabled:
        raise DomainError("该账号未启用动态口令，无需重置。", code="totp_off")
    access.totp_disable(actor=actor, account=account, request=request)


def account_token_issue(
    *, actor: Account, account: Account, assignment: RoleAssignment, name: str, expires_days: int, request=None,
) -> tuple[ApiToken, str]:
    """An API token acting as one current role of the account; the raw token is returned once."""
    _require_wholly_within(actor, account)
    if actor.pk == account.pk:
        raise Forbidden("不能为自己的账号签发令牌。")
    name = clean(name)
    if not name:
        raise DomainError("请填写令牌名称（用途）。", field="name")
    if not 1 <= expires_days <= TOKEN_MAX_DAYS:
        raise DomainError(f"有效期须在 1–{TOKEN_MAX_DAYS} 天之间。", field="expires_days")
    return access.token_create(actor=actor, account=account, name=name, assignment=assignment,
                               expires_days=expires_days, request=request)


def account_token_revoke(*, actor: Account, token: ApiToken, request=None) -> None:
    """Revoke a token: revoking only narrows access, so the token's role being in scope is enough."""
    scope.require(actor, "accounts.manage")
    scope.require_within(actor, token.assignment.scope)
    access.token_revoke(actor=actor, token=token, request=request)
