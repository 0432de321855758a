"""Log-ins for showing the platform: one account per role, all with the password `Demo@2026`.

The password is checked by access.services.validate_password and roles are
granted by access.services.role_assign, so the password policy, role scope
kinds and three-admin separation hold as for any account. The three separated
admins must use TOTP; their secrets are derived from the seed and the
username, so `demo_totp` (or an authenticator app given the secret) can
produce their codes. Never use these accounts outside a demo database.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass

from django.contrib.auth.hashers import make_password
from django.utils import timezone

from ganxun.access import services as access_services
from ganxun.access.models import Account, RoleAssignment
from ganxun.access.roles import Role
from ganxun.audit.services import audit_record
from ganxun.org.models import Organisation
from ganxun.people.models import Person

PASSWORD = "Demo@2026"


@dataclass(frozen=True)
class Persona:
    username: str
    description: str
    roles: tuple[tuple[str, str], ...]  # (role, anchor: which node of the demo city is the scope)
    # "new" (a person without a profile), or which generated record to link: "unit_cadre",
    # "unit_liaison", "mayor", "school_teacher", "school_head_teacher" (see generator._personas).
    person: str = "new"
    totp: bool = False


PERSONAS: tuple[Persona, ...] = (
    Persona("orgadmin", "兼市领导角色，可在页面右上角切换",
            ((Role.ORG_DEPT_ADMIN, "city"), (Role.LEADER, "city"))),
    Persona("county_admin", "只能看到东城区", ((Role.ORG_DEPT_ADMIN, "county"),)),
    Persona("school_admin", "管理市委党校的师资", ((Role.INSTITUTION_ADMIN, "school"),)),
    Persona("headteacher", "有师资档案", ((Role.HEAD_TEACHER, "school"),), person="school_head_teacher"),
    Persona("teacher", "有师资档案和擅长领域", ((Role.TEACHER, "school"),), person="school_teacher"),
    Persona("liaison", "有干部档案", ((Role.UNIT_LIAISON, "unit"),), person="unit_liaison"),
    Persona("cadre", "学员端；有干部档案和任职经历", ((Role.CADRE, "unit"),), person="unit_cadre"),
    Persona("leader", "市长，有干部档案", ((Role.LEADER, "city"),), person="mayor"),
    Persona("sysadmin", "三员之一，需动态口令", ((Role.SYSTEM_ADMIN, "province"),), totp=True),
    Persona("secadmin", "三员之一，需动态口令", ((Role.SECURITY_ADMIN, "province"),), totp=True),
    Persona("auditadmin", "三员之一，需动态口令", ((Role.AUDIT_ADMIN, "province"),), totp=True),
)
PERSONA_NAMES = frozenset(p.username for p in PERSONAS)


def totp_secret_for(seed: int, username: str) -> str:
    """Base32 secret (160 bits) derived from the seed: the same demo gives the same secrets."""
    digest = hashlib.sha256(f"ganxun-demo-totp:{seed}:{username}".encode()).digest()
    return base64.b32encode(digest[:20]).decode()


def create_personas(*, seed: int, anchors: dict, people: dict) -> list[Account]:
    """Accounts for PERSONAS. `anchors`: anchor name → Organisation pk; `people`: person key → Person pk.

    Like access.services.account_create (policy check, audit entry), except that
    the one shared password is hashed once: Argon2 takes most of a second per
    hash on a small machine, which would be most of the small demo's run time.
    """
    scopes = Organisation.objects.in_bulk(set(anchors.values()))
    encoded = make_password(PASSWORD)
    accounts = []
    for persona in PERSONAS:
        person = Person.objects.get(pk=people[persona.username if persona.person == "new" else persona.person])
        account = Account(username=persona.username, full_name=person.name, must_change_password=False,
                          password=encoded, password_changed_at=timezone.now())
        account.full_clean()
        access_services.validate_password(PASSWORD, account)
        account.save()
        audit_record(action="account.create", actor=None, target=account, detail={"demo": True})
        Person.objects.filter(pk=person.pk).update(account=account)
        for role, anchor in persona.roles:
            access_services.role_assign(actor=None, account=account, role=role, scope=scopes[anchors[anchor]],
                                        note="演示数据")
        if persona.totp:
            account.totp_secret = totp_secret_for(seed, persona.username)
            account.totp_confirmed_at = timezone.now()
            account.save(update_fields=["totp_secret", "totp_confirmed_at"])
        accounts.append(account)
    return accounts


@dataclass(frozen=True)
class PersonaRow:
    username: str
    name: str
    description: str
    roles: list[tuple[str, str]]  # (role label, scope name)
    totp: bool


def persona_rows() -> list[PersonaRow]:
    """The demo log-ins as they are in the database now (for the tables the commands print)."""
    accounts = {a.username: a for a in Account.objects.filter(username__in=PERSONA_NAMES)}
    rows = []
    for persona in PERSONAS:
        account = accounts.get(persona.username)
        if account is None:
            continue
        assignments = (RoleAssignment.objects.current().filter(account=account).select_related("scope")
                       .order_by("id"))
        rows.append(PersonaRow(
            username=account.username, name=account.full_name, description=persona.description,
            roles=[(a.get_role_display(), a.scope.name) for a in assignments], totp=account.totp_enabled,
        ))
    return rows


def persona_secrets() -> dict[str, str]:
    """TOTP secrets of the demo personas that use TOTP, to add to an authenticator app."""
    accounts = Account.objects.filter(username__in=[p.username for p in PERSONAS if p.totp]).order_by("id")
    return {account.username: account.totp_secret for account in accounts if account.totp_enabled}
