"""Demo log-ins (roles, TOTP, password policy), the staff accounts, and demo_totp on a demo."""

from __future__ import annotations

import io
import re

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.urls import reverse

from ganxun.access import services as access_services
from ganxun.access.models import Account, RoleAssignment
from ganxun.demo.personas import PASSWORD, PERSONAS, totp_secret_for
from ganxun.people.models import Cadre, Person

pytestmark = pytest.mark.django_db

EXPECTED_ROLES = {
    "orgadmin": {("org_dept_admin", "临江市"), ("leader", "临江市")},
    "county_admin": {("org_dept_admin", "东城区")},
    "school_admin": {("institution_admin", "中共临江市委党校")},
    "headteacher": {("head_teacher", "中共临江市委党校")},
    "teacher": {("teacher", "中共临江市委党校")},
    "liaison": {("unit_liaison", "东城区发展和改革局")},
    "cadre": {("cadre", "东城区发展和改革局")},
    "leader": {("leader", "临江市")},
    "sysadmin": {("system_admin", "江东省")},
    "secadmin": {("security_admin", "江东省")},
    "auditadmin": {("audit_admin", "江东省")},
}
THREE_ADMINS = {"sysadmin", "secadmin", "auditadmin"}


@pytest.fixture
def demo(tiny_demo):
    return tiny_demo


def _code_from(output: str) -> str:
    return re.search(r":\s*(\d{6})", output).group(1)


def test_personas_hold_the_documented_roles(demo):
    assert {p.username for p in PERSONAS} == set(EXPECTED_ROLES)
    for username, expected in EXPECTED_ROLES.items():
        held = set(RoleAssignment.objects.current().filter(account__username=username)
                   .values_list("role", "scope__name"))
        assert held == expected, username
    first = RoleAssignment.objects.current().filter(account__username="orgadmin").order_by("id").first()
    assert first.role == "org_dept_admin"  # the role switcher starts on the org department


def test_personas_are_real_people_with_the_profiles_of_their_roles(demo):
    for account in Account.objects.all():
        assert Person.objects.filter(account=account).count() == 1
        assert not account.must_change_password
    cadre = Cadre.objects.get(person__account__username="cadre")
    liaison = Cadre.objects.get(person__account__username="liaison")
    assert cadre.unit.name == liaison.unit.name == "东城区发展和改革局"
    assert cadre.rank == "section" and cadre.career_events.count() >= 2
    assert Cadre.objects.get(person__account__username="leader").position_title == "市长"
    for username in ("teacher", "headteacher"):
        teacher = Person.objects.get(account__username=username).teacher
        assert teacher.institution.name == "中共临江市委党校" and teacher.is_internal


def test_the_demo_password_passes_the_policy(demo):
    for account in Account.objects.all():
        access_services.validate_password(PASSWORD, account)
        assert account.check_password(PASSWORD)


def test_a_persona_logs_in_with_the_demo_password(demo):
    client = Client()
    response = client.post(reverse("access:login"), {"username": "liaison", "password": PASSWORD})
    assert response.status_code == 302 and response.url == reverse("portal:home")
    home = client.get(reverse("portal:home"))
    assert home.status_code == 200 and home.context["active_role"].role == "unit_liaison"


def test_the_three_admins_have_confirmed_totp_and_nobody_else(demo):
    for account in Account.objects.all():
        assert account.totp_enabled == (account.username in THREE_ADMINS)
        if account.username in THREE_ADMINS:
            assert account.totp_secret == totp_secret_for(2026, account.username)


def test_demo_totp_prints_a_code_the_login_accepts(demo):
    out = io.StringIO()
    call_command("demo_totp", "secadmin", stdout=out)
    account = Account.objects.get(username="secadmin")
    code = _code_from(out.getvalue())
    assert access_services._totp_match(account.totp_secret, code, last_step=account.totp_last_step) is not None

    client = Client()
    response = client.post(reverse("access:login"), {"username": "secadmin", "password": PASSWORD})
    assert response.url == reverse("access:login_totp")
    response = client.post(reverse("access:login_totp"), {"code": code})
    assert response.status_code == 302 and response.url != reverse("access:login")
    # The code is spent; the command now gives the next one, which is accepted too.
    out = io.StringIO()
    call_command("demo_totp", "secadmin", stdout=out)
    account.refresh_from_db()
    assert access_services._totp_match(account.totp_secret, _code_from(out.getvalue()),
                                       last_step=account.totp_last_step) is not None


def test_demo_totp_refuses_accounts_that_are_not_demo_personas(demo):
    with pytest.raises(CommandError, match="不是演示账号"):
        call_command("demo_totp", "alice")


def test_staff_accounts_share_the_demo_password_and_belong_to_people_of_their_institution(demo):
    from ganxun.demo.process import learners, online, staff

    usernames = {"orgdept_head", staff.ACADEMY_ADMIN, staff.ACADEMY_HEAD, *staff.SCHOOL_HEADS,
                 "school339102_admin", "school339102_head", "school339122_admin", "school339122_head",
                 *online.REVIEWERS, *learners.LEARNERS}
    accounts = Account.objects.exclude(username__in=EXPECTED_ROLES)
    assert set(accounts.values_list("username", flat=True)) == usernames
    for account in accounts:
        assert account.check_password(PASSWORD) and not account.totp_enabled
        role = RoleAssignment.objects.current().get(account=account)
        person = Person.objects.get(account=account)
        if account.username == "orgdept_head":
            assert role.role == "org_dept_admin" and person.cadre.position_title == "市委常委"
        elif account.username in learners.LEARNERS:
            # Learners: cadres of 东城区 studying online in the unit they serve in.
            assert role.role == "cadre" and role.scope_id == person.cadre.unit_id
            assert person.cadre.unit.path.startswith(Cadre.objects.get(person__account__username="cadre").unit.parent.path)
        elif account.username in online.REVIEWERS:
            # Other institutions' teachers (or the city's cadres) review the city party school's courses.
            assert role.role == "course_reviewer" and role.scope.name == "临江市"
            assert not hasattr(person, "teacher") or person.teacher.institution.name != "中共临江市委党校"
        else:
            assert person.teacher.institution_id == role.scope_id
