"""Reads for the security admin's account pages, always bounded by the actor's scope.

Accounts are not rows of the organisation tree themselves; they hang on it
through *anchors*: the scope nodes of their current roles and the unit or
institution of the person they belong to. The rule (one place, used by the
list, the detail page and every action):

* an account with anchors is visible when at least one anchor lies under the
  actor's scope node;
* an account without anchors (every role revoked, no placed person) is
  visible where it last worked: to the actors whose scope holds one of its
  revoked roles; one that never had a role nor a placed person (made by a
  bootstrap command) only to a security admin of a top node of the tree.

Acting on an account as a whole (password, lock, second factor, tokens,
deactivation) needs more than visibility: every anchor must lie inside the
actor's scope (`account_is_wholly_within`), or a county's admin could take
over an account that also works for the province.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import CharField, F, OuterRef, Prefetch, Q, QuerySet, Subquery, Value
from django.db.models.functions import Concat, Lower
from django.utils import timezone

from ganxun.access import scope
from ganxun.access.models import Account, ApiToken, LoginThrottle, RoleAssignment
from ganxun.access.roles import ROLE_SCOPE_KINDS, SEPARATED_ADMIN_ROLES
from ganxun.core.errors import NotFound
from ganxun.core.text import clean
from ganxun.org.models import Organisation
from ganxun.people.models import Person
from ganxun.people.selectors import identity_filter, token_filter

VIEW = "accounts.view"


class Status:
    """Filter values of the list's status select (value → label)."""

    ACTIVE = "active"
    DEACTIVATED = "deactivated"
    LOCKED = "locked"
    MUST_CHANGE = "must_change"
    NO_TOTP = "no_totp"
    CHOICES = [
        (ACTIVE, "启用"),
        (DEACTIVATED, "已停用"),
        (LOCKED, "已锁定"),
        (MUST_CHANGE, "待修改密码"),
        (NO_TOTP, "未启用动态口令"),
    ]


def _placed_people() -> QuerySet[Person]:
    """People with a unit (cadre) or an institution (teacher), i.e. placed in the tree."""
    return Person.objects.filter(Q(cadre__isnull=False) | Q(teacher__isnull=False), account__isnull=False)


def _visibility(actor) -> Q | None:
    """The Q that keeps the accounts `actor` may see, or None when it may see none."""
    if not scope.can(actor, VIEW):
        return None
    role = scope.active_role(actor)
    root = role.scope.path
    current = RoleAssignment.objects.current()
    role_here = Q(pk__in=current.filter(scope__path__startswith=root).values("account_id"))
    # People come through the one gate (Person's rule: cadre unit or teacher institution).
    person_here = Q(pk__in=scope.scoped(actor, Person, permission=VIEW)
                    .filter(account__isnull=False).values("account_id"))
    # Subqueries never yield NULL ids, so NOT IN stays correct.
    anchored = Q(pk__in=current.values("account_id")) | Q(pk__in=_placed_people().values("account_id"))
    revoked_here = Q(pk__in=RoleAssignment.objects.filter(scope__path__startswith=root).values("account_id"))
    visible = role_here | person_here | (~anchored & revoked_here)
    if role.scope.parent_id is None:
        never_placed = ~anchored & ~Q(pk__in=RoleAssignment.objects.values("account_id"))
        visible |= never_placed
    return visible


def _locked_until_subquery():
    key = Concat(Value("account:"), Lower(OuterRef("username")), output_field=CharField())
    return Subquery(
        LoginThrottle.objects.filter(key=key, locked_until__gt=timezone.now()).values("locked_until")[:1]
    )


def _current_roles_prefetch() -> Prefetch:
    return Prefetch(
        "assignments",
        queryset=RoleAssignment.objects.current().select_related("scope").order_by("role", "id"),
        to_attr="current_roles",
    )


def account_scope_for(actor) -> QuerySet[Account]:
    """Every account the actor may see (no filters), annotated with `locked_until`."""
    visible = _visibility(actor)
    if visible is None:
        return Account.objects.none()
    return Account.objects.filter(visible).annotate(locked_until=_locked_until_subquery())


def account_list_for(actor, *, q: str = "", role: str = "", status: str = "", identity: str = "") -> QuerySet[Account]:
    """Accounts in the actor's scope, filtered.

    `q` matches a username or full name (substring), or an exact ID number or
    phone of the linked person (through the keyed hashes); `role` keeps
    accounts holding that role now; `status` is one of `Status`; `identity` is a
    people.selectors.identity_token (an ID number or phone searched without showing it).
    """
    qs = account_scope_for(actor)
    if identity:
        qs = qs.filter(token_filter(identity, "person__"))
    q = clean(q)
    if q:
        identity = identity_filter(q, "person__")
        text = q.replace(" ", "")
        condition = Q(username__icontains=text) | Q(full_name__icontains=text)
        qs = qs.filter(condition | identity if identity is not None else condition)
    if role:
        qs = qs.filter(pk__in=RoleAssignment.objects.current().filter(role=role).values("account_id"))
    if status == Status.ACTIVE:
        qs = qs.filter(is_active=True)
    elif status == Status.DEACTIVATED:
        qs = qs.filter(is_active=False)
    elif status == Status.LOCKED:
        qs = qs.filter(locked_until__isnull=False)
    elif status == Status.MUST_CHANGE:
        qs = qs.filter(must_change_password=True)
    elif status == Status.NO_TOTP:
        qs = qs.filter(totp_confirmed_at__isnull=True)
    return qs.prefetch_related(_current_roles_prefetch()).order_by("username")


def account_get_for(actor, pk) -> Account:
    """One visible account, or NotFound for missing and out-of-scope alike."""
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise NotFound() from None
    account = account_scope_for(actor).prefetch_related(_current_roles_prefetch()).filter(pk=pk).first()
    if account is None:
        raise NotFound()
    return account


def _anchor_paths(account: Account) -> list[str]:
    paths = list(
        RoleAssignment.objects.current().filter(account=account).values_list("scope__path", flat=True)
    )
    person = Person.objects.filter(account=account).select_related("cadre__unit", "teacher__institution").first()
    if person is not None:
        # hasattr is False when the reverse one-to-one row does not exist.
        if hasattr(person, "cadre"):
            paths.append(person.cadre.unit.path)
        if hasattr(person, "teacher"):
            paths.append(person.teacher.institution.path)
    return paths


def account_is_wholly_within(actor, account: Account) -> bool:
    """Every anchor of `account` lies under the actor's scope (see the module docstring)."""
    root = scope.scope_path(actor)
    if root is None:
        return False
    return all(path.startswith(root) for path in _anchor_paths(account))


@dataclass(frozen=True)
class PersonLink:
    person: Person
    placement: Organisation | None  # the cadre's unit or the teacher's institution
    placement_label: str


def person_placement(person: Person) -> PersonLink:
    """Where a person sits in the tree: as a cadre in a unit, or as a teacher of an institution."""
    if hasattr(person, "cadre"):
        return PersonLink(person, person.cadre.unit, "单位")
    if hasattr(person, "teacher"):
        return PersonLink(person, person.teacher.institution, "所属机构")
    return PersonLink(person, None, "")


def account_person_link(account: Account) -> PersonLink | None:
    """The person behind an account (shown masked) and where they are placed."""
    person = (Person.objects.filter(account=account)
              .select_related("cadre__unit", "teacher__institution").first())
    return person_placement(person) if person is not None else None


def mark_in_scope(actor, assignments) -> None:
    """Set `in_scope` on each assignment: its scope lies under the actor's (what the actor may revoke)."""
    root = scope.scope_path(actor)
    for assignment in assignments:
        assignment.in_scope = root is not None and assignment.scope.path.startswith(root)


def account_role_history(actor, account: Account) -> list[RoleAssignment]:
    """All role assignments of the account, current first, with who granted and revoked them."""
    history = list(RoleAssignment.objects.filter(account=account)
                   .select_related("scope", "granted_by", "revoked_by")
                   .order_by(F("revoked_at").desc(nulls_first=True), "-granted_at", "-id"))
    mark_in_scope(actor, history)
    return history


def account_tokens(account: Account) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(account=account).select_related("assignment__scope").order_by("-created_at", "-id")


def account_token_get(account: Account, pk) -> ApiToken:
    try:
        return ApiToken.objects.select_related("account").get(pk=int(pk), account=account)
    except (ApiToken.DoesNotExist, TypeError, ValueError):
        raise NotFound() from None


def account_assignment_get(actor, account: Account, pk) -> RoleAssignment:
    """A current role of `account` whose scope lies in the actor's scope (else NotFound)."""
    root = scope.scope_path(actor)
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise NotFound() from None
    assignment = (RoleAssignment.objects.current().select_related("scope", "account")
                  .filter(pk=pk, account=account).first())
    if assignment is None or root is None or not assignment.scope.path.startswith(root):
        raise NotFound()
    return assignment


def token_role_choices(account: Account) -> QuerySet[RoleAssignment]:
    """Current roles a token may act as: any but the three separated admins'."""
    return (RoleAssignment.objects.current().filter(account=account)
            .exclude(role__in=SEPARATED_ADMIN_ROLES).select_related("scope").order_by("role", "id"))


# --- choosing what to grant -----------------------------------------------------------

SCOPE_CHOICES_LIMIT = 200


def scope_choices_for(actor, *, role: str, q: str = "", limit: int = SCOPE_CHOICES_LIMIT) -> QuerySet[Organisation]:
    """Active organisations in the actor's scope of the kinds `role` may be held over."""
    kinds = ROLE_SCOPE_KINDS.get(role)
    if not kinds:
        return Organisation.objects.none()
    qs = (scope.scoped(actor, Organisation, permission="org.view")
          .filter(kind__in=kinds, is_active=True).select_related("parent"))
    q = clean(q)
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(short_name__icontains=q) | Q(code__iexact=q))
    return qs.order_by("path")[:limit]


def scope_get_for(actor, pk) -> Organisation:
    """An organisation in the actor's scope (any kind; the service checks the kind)."""
    return scope.get_for(actor, Organisation, pk, permission="org.view")


# --- people without accounts --------------------------------------------------------------

def person_search_for(actor, *, q: str = "", without_account: bool = False, identity: str = "") -> QuerySet[Person]:
    """People in the actor's scope by name, or by exact ID number or phone (keyed hashes)."""
    qs = (scope.scoped(actor, Person, permission=VIEW)
          .select_related("cadre__unit", "teacher__institution", "account"))
    if without_account:
        qs = qs.filter(account__isnull=True)
    if identity:
        qs = qs.filter(token_filter(identity, ""))
    q = clean(q)
    if q:
        identity = identity_filter(q, "")
        qs = qs.filter(identity) if identity is not None else qs.filter(name__contains=q.replace(" ", ""))
    return qs.order_by("name", "id")


def person_get_for(actor, pk) -> Person:
    return scope.get_for(
        actor, Person.objects.select_related("cadre__unit", "teacher__institution", "account"), pk, permission=VIEW,
    )


def username_suggestion(person: Person) -> str:
    """A default username that needs no pinyin: "u" + the person's id, made unique."""
    base = f"u{person.pk:06d}"
    candidate, n = base, 1
    while Account.objects.filter(username__iexact=candidate).exists():
        n += 1
        candidate = f"{base}-{n}"
    return candidate
