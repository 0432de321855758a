"""The security admin's account pages, driven through HTTP as a person would."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from ganxun.access.models import Account, ApiToken, LoginThrottle, RoleAssignment
from ganxun.access.roles import Role
from ganxun.access.services import token_authenticate
from ganxun.accounts.tests.helpers import action_url, detail_url, shown_password, shown_token
from ganxun.audit.models import AuditEntry
from ganxun.testing import PASSWORD, make_account, make_cadre

LIST = reverse("accounts:list")
CAST_USERNAMES = ["alice", "bob", "charlie", "carol", "ivan", "hannah", "tom", "leo", "sam", "sec", "aud"]


@pytest.fixture
def sec_b(cast):
    """A security admin of county B: sees B, never A."""
    return make_account("sec_b", Role.SECURITY_ADMIN, cast.county_b, full_name="西山安全")


# --- who sees what -----------------------------------------------------------------------------

def test_it_lists_every_cast_account_for_the_province_security_admin(cast, login):
    response = login(cast.sec).get(LIST)
    assert response.status_code == 200
    listed = [a.username for a in response.context["page_obj"]]
    assert sorted(listed) == sorted(CAST_USERNAMES)
    assert "单位联络员 · 东城区发展和改革局" in response.content.decode()


def test_it_shows_a_county_security_admin_only_the_county(cast, login, sec_b):
    client = login(sec_b)
    listed = {a.username for a in client.get(LIST).context["page_obj"]}
    assert listed == {"charlie", "sec_b"}
    assert client.get(detail_url(cast.charlie)).status_code == 200


def test_the_outsider_security_admin_gets_404_for_another_countys_account(cast, login, sec_b):
    client = login(sec_b)
    assert client.get(detail_url(cast.alice)).status_code == 404
    assert client.post(action_url("reset_password", cast.alice)).status_code == 404
    assert client.post(action_url("set_active", cast.alice), {"active": "0"}).status_code == 404
    cast.alice.refresh_from_db()
    assert cast.alice.is_active


def test_it_refuses_the_list_to_an_org_department_admin(cast, login):
    assert login(cast.alice).get(LIST).status_code == 403
    assert login(cast.alice).post(action_url("reset_password", cast.bob)).status_code == 403


def test_it_filters_by_name_role_and_status(cast, login):
    client = login(cast.sec)
    LoginThrottle.objects.create(key="account:bob", locked_until=timezone.now() + dt.timedelta(minutes=20))
    Account.objects.filter(pk=cast.tom.pk).update(must_change_password=True)

    def listed(**params):
        return [a.username for a in client.get(LIST, params).context["page_obj"]]

    assert listed(q="艾丽") == ["alice"]
    assert listed(role=Role.ORG_DEPT_ADMIN) == ["alice", "charlie"]
    assert listed(status="locked") == ["bob"]
    assert listed(status="must_change") == ["tom"]
    page = client.get(LIST, {"status": "locked"}).content.decode()
    assert "已锁定至" in page
    Account.objects.filter(pk=cast.leo.pk).update(is_active=False)
    assert listed(status="deactivated") == ["leo"]


def test_it_finds_an_account_by_the_persons_full_id_number(cast, login):
    number = cast.carol_cadre.person.id_number
    response = login(cast.sec).post(LIST, {"q": number}, follow=True)
    assert number not in response.redirect_chain[-1][0] and "qh=" in response.redirect_chain[-1][0]
    listed = [a.username for a in response.context["page_obj"]]
    assert listed == ["carol"]


def test_the_detail_page_shows_the_person_masked_and_no_audit_trail(cast, login):
    page = login(cast.sec).get(detail_url(cast.carol)).content.decode()
    person = cast.carol_cadre.person
    assert person.id_number_masked in page
    assert person.id_number not in page
    assert "东城区发展和改革局" in page
    assert "auth.login" not in page


# --- opening accounts ----------------------------------------------------------------------------

def test_opening_an_account_links_the_person_and_refuses_a_second_one(cast, login):
    person = make_cadre("周明", cast.unit_a2).person
    client = login(cast.sec)
    url = reverse("accounts:open_person", args=[person.pk])
    form = client.get(url)
    assert form.context["form"]["username"].value() == f"u{person.pk:06d}"

    response = client.post(url, {"username": "zhouming"})
    assert response.status_code == 200
    password = shown_password(response)
    assert "首次登录须修改密码" in response.content.decode()
    assert response["Cache-Control"].startswith("max-age=0") and "no-store" in response["Cache-Control"]
    person.refresh_from_db()
    account = person.account
    assert account.username == "zhouming" and account.full_name == "周明" and account.must_change_password
    assert AuditEntry.objects.filter(action="account.create", target_id=str(account.pk)).exists()
    assert AuditEntry.objects.filter(action="person.account_link", target_id=str(person.pk)).exists()
    assert not any(password in str(e.detail) for e in AuditEntry.objects.all())

    again = client.post(url, {"username": "zhouming2"})
    assert "一人只能有一个账号" in again.content.decode()
    assert not Account.objects.filter(username="zhouming2").exists()


def test_the_initial_password_logs_in_and_forces_the_password_change(cast, login):
    person = make_cadre("吴芳", cast.unit_a1, gender="F").person
    response = login(cast.sec).post(reverse("accounts:open_person", args=[person.pk]), {"username": "wufang"})
    password = shown_password(response)

    newcomer = Client()
    logged_in = newcomer.post(reverse("access:login"), {"username": "wufang", "password": password})
    assert logged_in.status_code == 302
    assert newcomer.get(reverse("portal:home"))["Location"] == reverse("access:password_change")


def test_it_refuses_a_taken_username_and_keeps_the_person_unlinked(cast, login):
    person = make_cadre("郑华", cast.unit_a2).person
    response = login(cast.sec).post(reverse("accounts:open_person", args=[person.pk]), {"username": "alice"})
    assert "用户名已被使用" in response.content.decode()
    person.refresh_from_db()
    assert person.account is None


def test_the_person_search_stays_inside_the_scope(cast, login, sec_b):
    client = login(sec_b)
    names = {p.name for p in client.get(reverse("accounts:open")).context["page_obj"]}
    assert names == {"赵敏", "钱进"}
    a_person = cast.cadres_a[1].person
    assert client.get(reverse("accounts:open_person", args=[a_person.pk])).status_code == 404
    by_id = client.post(reverse("accounts:open"), {"q": a_person.id_number}, follow=True).context["page_obj"]
    assert list(by_id) == []


def test_it_opens_an_account_without_a_person_only_with_a_name_and_a_role(cast, login):
    client = login(cast.sec)
    url = reverse("accounts:create_external")
    nameless = client.post(url, {"username": "hr_sync", "full_name": " ", "role": Role.UNIT_LIAISON,
                                 "scope": cast.unit_a2.pk})
    assert "没有人员档案的账号也须实名" in nameless.content.decode()
    assert not Account.objects.filter(username="hr_sync").exists()

    response = client.post(url, {"username": "hr_sync", "full_name": "钱操作", "role": Role.UNIT_LIAISON,
                                 "scope": cast.unit_a2.pk})
    shown_password(response)
    account = Account.objects.get(username="hr_sync")
    assert RoleAssignment.objects.current().filter(account=account, role=Role.UNIT_LIAISON,
                                                   scope=cast.unit_a2).exists()


# --- roles -----------------------------------------------------------------------------------------

def test_it_assigns_a_role_and_writes_the_audit_trail(cast, login):
    response = login(cast.sec).post(action_url("role_assign", cast.carol),
                                    {"role": Role.UNIT_LIAISON, "scope": cast.unit_a1.pk, "note": "新任联络员"})
    assert response.status_code == 302
    assert RoleAssignment.objects.current().filter(account=cast.carol, role=Role.UNIT_LIAISON,
                                                   scope=cast.unit_a1, granted_by=cast.sec).exists()
    entry = AuditEntry.objects.filter(action="role.assign", target_id=str(cast.carol.pk)).get()
    assert entry.actor_username == "sec" and entry.detail["role"] == Role.UNIT_LIAISON


def test_it_refuses_a_second_separated_admin_role_with_the_three_admin_message(cast, login):
    response = login(cast.sec).post(action_url("role_assign", cast.sam),
                                    {"role": Role.AUDIT_ADMIN, "scope": cast.province.pk})
    assert response.status_code == 200
    assert "三员分立：该账号已是“系统管理员”，不能再担任“审计管理员”" in response.content.decode()
    assert not RoleAssignment.objects.filter(account=cast.sam, role=Role.AUDIT_ADMIN).exists()


def test_it_refuses_a_liaison_role_over_a_region(cast, login):
    response = login(cast.sec).post(action_url("role_assign", cast.carol),
                                    {"role": Role.UNIT_LIAISON, "scope": cast.county_a.pk})
    assert "“单位联络员”的范围不能是“行政区域”" in response.content.decode()
    assert not RoleAssignment.objects.filter(account=cast.carol, role=Role.UNIT_LIAISON).exists()


def test_it_gives_404_for_a_scope_outside_the_actors_scope(cast, login, sec_b):
    response = login(sec_b).post(action_url("role_assign", cast.charlie),
                                 {"role": Role.UNIT_LIAISON, "scope": cast.unit_a1.pk})
    assert response.status_code == 404
    assert not RoleAssignment.objects.filter(account=cast.charlie, role=Role.UNIT_LIAISON).exists()


def test_revoking_a_role_audits_and_revokes_its_tokens(cast, login):
    client = login(cast.sec)
    assignment = RoleAssignment.objects.get(account=cast.bob)
    raw = shown_token(client.post(action_url("token_create", cast.bob),
                                  {"assignment": assignment.pk, "name": "人事系统", "expires_days": 30}))
    assert token_authenticate(raw) is not None

    response = client.post(action_url("role_revoke", cast.bob, assignment.pk), {"reason": "调离"})
    assert response.status_code == 302
    assignment.refresh_from_db()
    assert assignment.revoked_by == cast.sec and assignment.revoked_at is not None
    assert AuditEntry.objects.filter(action="role.revoke", target_id=str(cast.bob.pk),
                                     detail__reason="调离").exists()
    assert ApiToken.objects.get(assignment=assignment).revoked_at is not None
    assert token_authenticate(raw) is None
    history = client.get(detail_url(cast.bob)).content.decode()
    assert "<s>单位联络员 · 东城区发展和改革局</s>" in history and "司安全" in history
    assert assignment.revoke_reason == "调离" and "调离" in history


def test_a_revoke_needs_a_reason(cast, login):
    assignment = RoleAssignment.objects.get(account=cast.bob)
    login(cast.sec).post(action_url("role_revoke", cast.bob, assignment.pk), {"reason": ""})
    assignment.refresh_from_db()
    assert assignment.is_current


def test_the_scope_picker_offers_only_kinds_the_role_allows_inside_the_scope(cast, login, sec_b):
    url = reverse("accounts:scope_options")
    units = login(cast.sec).get(url, {"role": Role.UNIT_LIAISON}).context["options"]
    assert {o.kind for o in units} == {"unit"} and cast.unit_a1_sub in units
    regions = login(sec_b).get(url, {"role": Role.ORG_DEPT_ADMIN}).context["options"]
    assert list(regions) == [cast.county_b]


# --- account-wide actions -----------------------------------------------------------------------

def test_reset_password_shows_a_new_password_that_works_and_must_be_changed(cast, login):
    response = login(cast.sec).post(action_url("reset_password", cast.bob))
    password = shown_password(response)
    assert "no-store" in response["Cache-Control"]
    cast.bob.refresh_from_db()
    assert cast.bob.check_password(password) and not cast.bob.check_password(PASSWORD)
    assert cast.bob.must_change_password
    assert AuditEntry.objects.filter(action="account.password_reset", target_id=str(cast.bob.pk)).exists()


def test_unlock_clears_the_lockout(cast, login, settings):
    login_url = reverse("access:login")
    attacker = Client(REMOTE_ADDR="192.0.2.10")
    for _ in range(settings.GANXUN_LOCKOUT_ATTEMPTS):
        attacker.post(login_url, {"username": "bob", "password": "wrong"})
    owner = Client(REMOTE_ADDR="192.0.2.20")
    refused = owner.post(login_url, {"username": "bob", "password": PASSWORD})
    assert refused.status_code == 200 and "已锁定至" in refused.content.decode()
    assert "已锁定至" in login(cast.sec).get(detail_url(cast.bob)).content.decode()

    login(cast.sec).post(action_url("unlock", cast.bob))
    assert not LoginThrottle.objects.filter(key="account:bob").exists()
    assert owner.post(login_url, {"username": "bob", "password": PASSWORD}).status_code == 302
    assert AuditEntry.objects.filter(action="account.unlock", target_id=str(cast.bob.pk)).exists()


def test_deactivating_and_reactivating_an_account(cast, login):
    client = login(cast.sec)
    client.post(action_url("set_active", cast.leo), {"active": "0"})
    cast.leo.refresh_from_db()
    assert not cast.leo.is_active
    client.post(action_url("set_active", cast.leo), {"active": "1"})
    cast.leo.refresh_from_db()
    assert cast.leo.is_active
    actions = list(AuditEntry.objects.filter(target_id=str(cast.leo.pk)).order_by("id").values_list("action", flat=True))
    assert actions == ["account.deactivate", "account.activate"]


def test_resetting_a_lost_second_factor(cast, login):
    Account.objects.filter(pk=cast.aud.pk).update(totp_secret="JBSWY3DPEHPK3PXP", totp_confirmed_at=timezone.now())
    login(cast.sec).post(action_url("totp_reset", cast.aud))
    cast.aud.refresh_from_db()
    assert not cast.aud.totp_enabled
    assert AuditEntry.objects.filter(action="account.totp_disable", target_id=str(cast.aud.pk),
                                     actor_username="sec").exists()


def test_a_token_authenticates_until_it_is_revoked(cast, login):
    client = login(cast.sec)
    assignment = RoleAssignment.objects.get(account=cast.carol)
    response = client.post(action_url("token_create", cast.carol),
                           {"assignment": assignment.pk, "name": "移动端", "expires_days": 7})
    raw = shown_token(response)
    token = token_authenticate(raw)
    assert token.account == cast.carol and token.assignment == assignment
    assert ApiToken.objects.get(pk=token.pk).key_hash != raw

    client.post(action_url("token_revoke", cast.carol, token.pk))
    assert token_authenticate(raw) is None


def test_it_refuses_a_token_for_a_separated_admin_role(cast, login):
    assignment = RoleAssignment.objects.get(account=cast.sam)
    response = login(cast.sec).post(action_url("token_create", cast.sam),
                                    {"assignment": assignment.pk, "name": "x", "expires_days": 7})
    assert "令牌的角色必须是该账号当前持有的角色" in response.content.decode()
    assert not ApiToken.objects.filter(account=cast.sam).exists()


# --- the security admin's own account ------------------------------------------------------------

def test_the_security_admin_cannot_change_their_own_roles_or_deactivate_themselves(cast, login):
    client = login(cast.sec)
    own = RoleAssignment.objects.get(account=cast.sec)
    revoked = client.post(action_url("role_revoke", cast.sec, own.pk), {"reason": "test"}, follow=True)
    assert "不能撤销自己的角色" in revoked.content.decode()
    assigned = client.post(action_url("role_assign", cast.sec), {"role": Role.LEADER, "scope": cast.city.pk})
    assert "不能给自己分配角色" in assigned.content.decode()
    deactivated = client.post(action_url("set_active", cast.sec), {"active": "0"}, follow=True)
    assert "不能停用自己的账号" in deactivated.content.decode()
    own.refresh_from_db()
    cast.sec.refresh_from_db()
    assert own.is_current and cast.sec.is_active
    assert list(RoleAssignment.objects.filter(account=cast.sec)) == [own]


def test_a_county_admin_cannot_take_over_an_account_that_also_works_elsewhere(cast, login, sec_b):
    RoleAssignment.objects.create(account=cast.charlie, role=Role.LEADER, scope=cast.city)
    client = login(sec_b)
    page = client.get(detail_url(cast.charlie)).content.decode()
    assert "只能由上级安全管理员执行" in page
    client.post(action_url("reset_password", cast.charlie))
    cast.charlie.refresh_from_db()
    assert cast.charlie.check_password(PASSWORD)
    client.post(action_url("set_active", cast.charlie), {"active": "0"})
    cast.charlie.refresh_from_db()
    assert cast.charlie.is_active
    city_role = RoleAssignment.objects.get(account=cast.charlie, role=Role.LEADER)
    assert client.post(action_url("role_revoke", cast.charlie, city_role.pk), {"reason": "x"}).status_code == 404
    # Roles inside the county stay the county admin's to manage.
    own_county = RoleAssignment.objects.get(account=cast.charlie, role=Role.ORG_DEPT_ADMIN)
    client.post(action_url("role_revoke", cast.charlie, own_county.pk), {"reason": "调整"})
    own_county.refresh_from_db()
    city_role.refresh_from_db()
    assert not own_county.is_current and city_role.is_current
