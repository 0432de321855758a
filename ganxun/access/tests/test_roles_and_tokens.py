import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from ganxun.access import services
from ganxun.access.models import ApiToken, RoleAssignment
from ganxun.access.roles import ROLE_PERMISSIONS, SEPARATED_ADMIN_ROLES, Role
from ganxun.audit.models import AuditEntry
from ganxun.core.errors import DomainError, Forbidden, NotFound
from ganxun.testing import make_account

pytestmark = pytest.mark.django_db


def test_the_three_admins_share_no_permission():
    roles = sorted(SEPARATED_ADMIN_ROLES)
    for index, role in enumerate(roles):
        for other in roles[index + 1:]:
            assert not (ROLE_PERMISSIONS[role] & ROLE_PERMISSIONS[other] - {"org.view"}), (role, other)
    assert not any("audit." in p for p in ROLE_PERMISSIONS[Role.SYSTEM_ADMIN] | ROLE_PERMISSIONS[Role.SECURITY_ADMIN])
    assert not any(p.startswith(("cadres.", "teachers.")) for r in roles for p in ROLE_PERMISSIONS[r])


def test_the_security_admin_assigns_a_role_with_a_scope_and_it_is_audited(cast, actor):
    newcomer = make_account("newcomer")
    assignment = services.role_assign(actor=actor(cast.sec), account=newcomer, role=Role.UNIT_LIAISON,
                                      scope=cast.unit_a2)
    assert assignment.scope == cast.unit_a2
    entry = AuditEntry.objects.get(action="role.assign", target_id=str(newcomer.pk))
    assert entry.actor_username == "sec" and entry.detail["role"] == "unit_liaison"


def test_a_repeated_grant_changes_nothing(cast, actor):
    newcomer = make_account("newcomer")
    first = services.role_assign(actor=actor(cast.sec), account=newcomer, role=Role.CADRE, scope=cast.unit_a2)
    second = services.role_assign(actor=actor(cast.sec), account=newcomer, role=Role.CADRE, scope=cast.unit_a2)
    assert first.pk == second.pk
    assert AuditEntry.objects.filter(action="role.assign").count() == 1


def test_one_person_holds_at_most_one_of_the_three_admin_roles(cast, actor):
    with pytest.raises(DomainError, match="三员分立"):
        services.role_assign(actor=actor(cast.sec), account=cast.sam, role=Role.AUDIT_ADMIN, scope=cast.province)
    with pytest.raises(DomainError, match="三员分立"):
        services.role_assign(actor=None, account=cast.aud, role=Role.SECURITY_ADMIN, scope=cast.province)
    # After the old admin role is revoked the person may take another.
    old = RoleAssignment.objects.get(account=cast.sam, role=Role.SYSTEM_ADMIN)
    services.role_revoke(actor=None, assignment=old, reason="轮岗")
    services.role_assign(actor=None, account=cast.sam, role=Role.AUDIT_ADMIN, scope=cast.province)


def test_a_scope_must_fit_the_role(cast, actor):
    with pytest.raises(DomainError, match="范围"):
        services.role_assign(actor=actor(cast.sec), account=cast.bob, role=Role.UNIT_LIAISON, scope=cast.county_a)
    with pytest.raises(DomainError, match="范围"):
        services.role_assign(actor=actor(cast.sec), account=cast.bob, role=Role.ORG_DEPT_ADMIN, scope=cast.unit_a1)


def test_only_the_security_admin_grants_and_never_to_themselves(cast, actor):
    with pytest.raises(Forbidden):
        services.role_assign(actor=actor(cast.alice), account=cast.bob, role=Role.CADRE, scope=cast.unit_a1)
    with pytest.raises(Forbidden):
        services.role_assign(actor=actor(cast.sec), account=cast.sec, role=Role.LEADER, scope=cast.city)


def test_a_county_security_admin_cannot_grant_outside_the_county(cast, actor):
    sec_b = actor(make_account("sec_b", Role.SECURITY_ADMIN, cast.county_b))
    with pytest.raises(NotFound):
        services.role_assign(actor=sec_b, account=cast.bob, role=Role.CADRE, scope=cast.unit_a1)


def test_revoking_a_role_revokes_its_tokens_and_is_audited(cast, actor):
    token, raw = services.token_create(actor=None, account=cast.bob, name="hr")
    assert services.token_authenticate(raw) is not None
    services.role_revoke(actor=actor(cast.sec), assignment=token.assignment, reason="调岗")
    assert services.token_authenticate(raw) is None
    assert AuditEntry.objects.filter(action="role.revoke", target_id=str(cast.bob.pk)).exists()


def test_switching_roles_changes_what_the_pages_show(cast):
    services.role_assign(actor=None, account=cast.alice, role=Role.LEADER, scope=cast.city)
    client = Client()
    client.force_login(cast.alice)
    leader = RoleAssignment.objects.get(account=cast.alice, role=Role.LEADER)
    page = client.get("/").content.decode()
    assert "东城区" in page and "role-switch" in page
    client.post("/account/role/", {"assignment": leader.pk})
    assert "临江市" in client.get("/").content.decode().split("管理范围：")[1][:20]
    # Somebody else's assignment id cannot be switched to.
    bob_role = RoleAssignment.objects.get(account=cast.bob)
    client.post("/account/role/", {"assignment": bob_role.pk})
    assert client.session["ganxun_role"] == leader.pk


# --- API tokens ----------------------------------------------------------------------

def test_a_token_is_stored_only_as_a_hash_and_acts_as_its_role(cast):
    token, raw = services.token_create(actor=None, account=cast.alice, name="人事系统")
    assert raw.startswith("gx_") and raw not in token.key_hash
    found = services.token_authenticate(raw)
    assert found.pk == token.pk
    assert found.account.active_role.role == Role.ORG_DEPT_ADMIN
    assert services.token_authenticate(raw + "x") is None
    assert services.token_authenticate("") is None


def test_a_token_needs_an_explicit_role_when_the_account_has_several(cast):
    services.role_assign(actor=None, account=cast.alice, role=Role.LEADER, scope=cast.city)
    with pytest.raises(DomainError, match="指定"):
        services.token_create(actor=None, account=cast.alice, name="x")
    leader = RoleAssignment.objects.get(account=cast.alice, role=Role.LEADER)
    token, raw = services.token_create(actor=None, account=cast.alice, name="x", assignment=leader)
    assert services.token_authenticate(raw).account.active_role.role == Role.LEADER


def test_admin_roles_get_no_tokens(cast):
    with pytest.raises(DomainError, match="不能签发"):
        services.token_create(actor=None, account=cast.sec, name="x")


def test_expired_revoked_and_deactivated_tokens_fail(cast, actor):
    token, raw = services.token_create(actor=None, account=cast.bob, name="x", expires_days=1)
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    assert services.token_authenticate(raw) is None
    token, raw = services.token_create(actor=None, account=cast.bob, name="y")
    services.token_revoke(actor=cast.bob, token=token)
    assert services.token_authenticate(raw) is None
    token, raw = services.token_create(actor=None, account=cast.bob, name="z")
    services.account_set_active(actor=actor(cast.sec), account=cast.bob, active=False)
    assert services.token_authenticate(raw) is None
