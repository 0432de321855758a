"""The deployment commands of the access app: create_admin and api_token_create."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from ganxun.access.models import Account, ApiToken, RoleAssignment
from ganxun.access.services import requires_second_factor, token_authenticate, validate_password
from ganxun.audit.models import AuditEntry
from ganxun.org.models import Organisation

pytestmark = pytest.mark.django_db


def run(*args, **options) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out, stderr=io.StringIO(), **options)
    return out.getvalue()


def printed(output: str, key: str) -> str:
    return next(line.split(": ", 1)[1] for line in output.splitlines() if line.startswith(f"{key}: "))


def counts() -> tuple[int, int, int, int]:
    return (Account.objects.count(), RoleAssignment.objects.count(), Organisation.objects.count(),
            AuditEntry.objects.count())


FRESH = dict(role="system_admin", username="sysadm", name="孙系统", root_name="江东省", root_code="339000")


# --- create_admin ------------------------------------------------------------------------

def test_it_creates_the_root_region_and_a_system_admin_on_a_fresh_install():
    output = run("create_admin", **FRESH)

    root = Organisation.objects.get(parent__isnull=True)
    assert (root.name, root.code, root.kind, root.region_level) == ("江东省", "339000", "region", "province")
    account = Account.objects.get(username="sysadm")
    assert account.full_name == "孙系统"
    assert account.must_change_password
    password = printed(output, "password")
    assert account.check_password(password)
    validate_password(password, account)  # the generated password passes the policy
    assignment = RoleAssignment.objects.get(account=account)
    assert (assignment.role, assignment.scope_id) == ("system_admin", root.pk)
    assert requires_second_factor(account)  # the log-in flow will force TOTP enrolment
    actions = list(AuditEntry.objects.order_by("id").values_list("action", flat=True))
    assert actions == ["org.create", "account.create", "role.assign"]


def test_a_second_run_fails_clearly_and_changes_nothing():
    run("create_admin", **FRESH)
    password_hash = Account.objects.get(username="sysadm").password
    before = counts()

    with pytest.raises(CommandError, match="account exists"):
        run("create_admin", **FRESH)

    assert counts() == before
    assert Account.objects.get(username="sysadm").password == password_hash


def test_it_refuses_a_second_separated_admin_role_for_the_same_person():
    run("create_admin", **FRESH)
    before = counts()

    with pytest.raises(CommandError, match="三员分立"):
        run("create_admin", role="audit_admin", username="sysadm", name="孙系统")

    assert counts() == before
    assert list(RoleAssignment.objects.values_list("role", flat=True)) == ["system_admin"]


def test_it_refuses_a_weak_password_and_leaves_no_root_behind():
    with pytest.raises(CommandError, match="密码"):
        run("create_admin", **FRESH, password="weak")
    assert counts() == (0, 0, 0, 0)


def test_it_accepts_a_given_password_that_passes_the_policy_and_does_not_print_it():
    output = run("create_admin", **FRESH, password="Strong-Passw0rd!")
    assert Account.objects.get(username="sysadm").check_password("Strong-Passw0rd!")
    assert "Strong-Passw0rd!" not in output
    assert "password:" not in output


def test_it_uses_the_existing_root_and_creates_no_second_one(cast):
    run("create_admin", role="audit_admin", username="auditor2", name="审二")
    assignment = RoleAssignment.objects.get(account__username="auditor2")
    assert assignment.scope == cast.province
    assert Organisation.objects.filter(parent__isnull=True).count() == 1


def test_it_puts_the_role_on_the_node_named_by_scope_code(cast):
    run("create_admin", role="security_admin", username="citysec", name="市安全", scope_code="339100")
    assert RoleAssignment.objects.get(account__username="citysec").scope == cast.city


def test_it_refuses_to_create_a_second_root(cast):
    before = counts()
    with pytest.raises(CommandError, match="已有根区域"):
        run("create_admin", role="system_admin", username="x-admin", name="某某", root_name="江西省",
            root_code="360000")
    assert counts() == before


def test_it_explains_what_to_do_on_a_fresh_install_without_root_arguments():
    with pytest.raises(CommandError, match="--root-name"):
        run("create_admin", role="system_admin", username="sysadm", name="孙系统")
    assert counts() == (0, 0, 0, 0)


def test_it_refuses_an_unknown_scope_code(cast):
    with pytest.raises(CommandError, match="999999"):
        run("create_admin", role="system_admin", username="sys2", name="某某", scope_code="999999")
    assert not Account.objects.filter(username="sys2").exists()


# --- api_token_create --------------------------------------------------------------------------

def test_stdout_is_exactly_the_token_and_it_authenticates(cast):
    output = run("api_token_create", user="alice", name="人事系统同步")
    raw = output.removesuffix("\n")
    assert "\n" not in raw and raw.startswith("gx_")
    token = token_authenticate(raw)
    assert token is not None
    assert token.account == cast.alice
    assert token.assignment.role == "org_dept_admin"
    assert token.name == "人事系统同步"
    assert token.expires_at is None
    assert AuditEntry.objects.filter(action="token.create", target_id=str(cast.alice.pk)).exists()


def test_days_sets_the_expiry(cast):
    raw = run("api_token_create", user="bob", days=30).strip()
    token = token_authenticate(raw)
    expected = timezone.now() + dt.timedelta(days=30)
    assert abs(token.expires_at - expected) < dt.timedelta(minutes=1)


def test_an_unknown_user_fails_with_no_token_issued(cast):
    with pytest.raises(CommandError, match="no account"):
        run("api_token_create", user="nobody")
    assert ApiToken.objects.count() == 0


def test_it_asks_for_the_role_when_the_account_holds_several(cast):
    RoleAssignment.objects.create(account=cast.alice, role="leader", scope=cast.county_a)
    with pytest.raises(CommandError, match="请指定令牌使用的角色"):
        run("api_token_create", user="alice")
    raw = run("api_token_create", user="alice", role="leader").strip()
    assert token_authenticate(raw).assignment.role == "leader"


def test_it_asks_for_the_scope_when_the_role_is_held_over_several_nodes(cast):
    RoleAssignment.objects.create(account=cast.alice, role="org_dept_admin", scope=cast.county_b)
    with pytest.raises(CommandError, match="--scope-code"):
        run("api_token_create", user="alice", role="org_dept_admin")
    raw = run("api_token_create", user="alice", role="org_dept_admin", scope_code="339102").strip()
    assert token_authenticate(raw).assignment.scope == cast.county_b


def test_the_service_refuses_a_token_for_a_separated_admin_role(cast):
    with pytest.raises(CommandError, match="不能签发 API 令牌"):
        run("api_token_create", user="sam")
    assert ApiToken.objects.count() == 0


def test_a_role_the_account_does_not_hold_is_refused(cast):
    with pytest.raises(CommandError, match="holds no current role"):
        run("api_token_create", user="bob", role="org_dept_admin")
