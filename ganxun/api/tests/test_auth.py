"""Who may call the API: bearer tokens, browser sessions with CSRF, roles, rate limits."""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from ganxun.access.models import ApiToken, RoleAssignment
from ganxun.access.roles import Role
from ganxun.access.services import role_revoke, token_create, token_revoke
from ganxun.audit.models import AuditEntry
from ganxun.testing import make_account

CSRF_SECRET = "a" * 32  # Django accepts the unmasked secret in the header


def _names(response) -> set[str]:
    return {item["name"] for item in response.json()["items"]}


def _bearer(raw: str, **options) -> Client:
    return Client(headers={"Authorization": f"Bearer {raw}"}, **options)


def test_it_acts_with_the_role_and_scope_of_the_token(cast, token_client):
    client = token_client(cast.alice)
    me = client.get("/api/v1/me").json()
    assert me["auth"] == "token"
    assert me["username"] == "alice"
    assert me["active_role"]["role"] == "org_dept_admin"
    assert me["active_role"]["role_label"] == "组织部门管理员"
    assert me["active_role"]["scope"]["id"] == cast.county_a.pk
    assert "cadres.reveal" in me["permissions"] and "org.manage" not in me["permissions"]
    assert _names(client.get("/api/v1/cadres")) == {"卡萝", "张伟", "李娜", "王强"}


def test_it_binds_a_token_to_one_of_several_roles(cast):
    dana = make_account("dana", Role.UNIT_LIAISON, cast.unit_a1)
    wide = RoleAssignment.objects.create(account=dana, role=Role.ORG_DEPT_ADMIN, scope=cast.county_b)
    narrow = RoleAssignment.objects.get(account=dana, role=Role.UNIT_LIAISON)
    _, raw = token_create(actor=None, account=dana, name="hr", assignment=narrow)
    client = _bearer(raw)
    assert _names(client.get("/api/v1/cadres")) == {"卡萝", "张伟", "李娜"}
    assert client.get(f"/api/v1/cadres/{cast.cadres_b[0].pk}").status_code == 404
    assert client.get("/api/v1/me").json()["active_role"]["id"] == narrow.pk != wide.pk


@pytest.mark.parametrize("header", [
    "Bearer gx_00000000_not-a-real-token",
    "Bearer ",
    "Bearer something-else",
    "Basic YWxpY2U6cGFzcw==",
    "gx_without_scheme",
])
def test_it_refuses_an_unusable_authorization_header(cast, header):
    response = Client(headers={"Authorization": header}).get("/api/v1/cadres")
    assert response.status_code == 401
    assert response.json()["code"] == "unauthenticated"
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_it_refuses_a_revoked_token(cast):
    token, raw = token_create(actor=None, account=cast.alice, name="t")
    assert _bearer(raw).get("/api/v1/me").status_code == 200
    token_revoke(actor=cast.alice, token=token)
    assert _bearer(raw).get("/api/v1/me").status_code == 401


def test_it_refuses_an_expired_token(cast):
    token, raw = token_create(actor=None, account=cast.alice, name="t", expires_days=1)
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    assert _bearer(raw).get("/api/v1/me").status_code == 401


def test_it_refuses_a_token_whose_role_was_revoked(cast):
    _, raw = token_create(actor=None, account=cast.bob, name="t")
    role_revoke(actor=None, assignment=RoleAssignment.objects.get(account=cast.bob))
    assert _bearer(raw).get("/api/v1/cadres").status_code == 401


def test_it_refuses_a_token_of_a_disabled_account(cast):
    _, raw = token_create(actor=None, account=cast.bob, name="t")
    cast.bob.is_active = False
    cast.bob.save(update_fields=["is_active"])
    assert _bearer(raw).get("/api/v1/cadres").status_code == 401


def test_it_refuses_a_caller_without_credentials(cast):
    response = Client().get("/api/v1/cadres")
    assert response.status_code == 401
    assert (response.json()["code"], response.json()["field"]) == ("unauthenticated", None)
    assert Client().post("/api/v1/cadres", {}, content_type="application/json").status_code == 401


def test_it_does_not_fall_back_to_the_session_when_a_bad_token_is_sent(cast, login):
    client = login(cast.alice)
    assert client.get("/api/v1/me").status_code == 200
    response = client.get("/api/v1/me", headers={"Authorization": "Bearer gx_bad_token"})
    assert response.status_code == 401


def test_it_accepts_the_browser_session_with_its_active_role(cast, login):
    me = login(cast.bob).get("/api/v1/me").json()
    assert me["auth"] == "session" and me["token"] is None
    assert me["active_role"]["scope"]["id"] == cast.unit_a1.pk
    assert _names(login(cast.bob).get("/api/v1/cadres")) == {"卡萝", "张伟", "李娜"}


def test_it_refuses_a_session_post_without_csrf_token(cast):
    client = Client(enforce_csrf_checks=True)
    client.force_login(cast.alice)
    cadre = cast.cadres_a[1]
    response = client.post(f"/api/v1/cadres/{cadre.pk}/reveal")
    assert response.status_code == 403
    assert response.json()["code"] == "csrf_failed"
    assert not AuditEntry.objects.filter(action="person.reveal").exists()

    client.cookies[settings.CSRF_COOKIE_NAME] = CSRF_SECRET
    response = client.post(f"/api/v1/cadres/{cadre.pk}/reveal", headers={"X-CSRFToken": CSRF_SECRET})
    assert response.status_code == 200
    assert response.json()["id_number"] == cadre.person.id_number


def test_it_needs_no_csrf_token_with_a_bearer_token(cast):
    _, raw = token_create(actor=None, account=cast.alice, name="t")
    client = _bearer(raw, enforce_csrf_checks=True)
    assert client.post(f"/api/v1/cadres/{cast.cadres_a[1].pk}/reveal").status_code == 200


def test_it_refuses_a_role_without_the_permission(cast, token_client, login):
    for client in (token_client(cast.tom), login(cast.tom)):
        response = client.get("/api/v1/cadres")
        assert response.status_code == 403
        assert response.json()["code"] == "forbidden"
    # Refused before the input is looked at: a role without the permission learns nothing.
    assert token_client(cast.tom).post("/api/v1/cadres", {"x": 1}, content_type="application/json").status_code == 403


def test_it_refuses_a_session_that_must_change_its_password(cast, login):
    cast.alice.must_change_password = True
    cast.alice.save(update_fields=["must_change_password"])
    response = login(cast.alice).get("/api/v1/cadres")
    assert response.status_code == 403
    assert response.json()["code"] == "password_change_required"


def test_it_gives_the_outsider_404_for_another_regions_cadre(cast, token_client):
    response = token_client(cast.charlie).get(f"/api/v1/cadres/{cast.cadres_a[0].pk}")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_it_throttles_a_caller_over_the_rate(cast, token_client, settings):
    settings.GANXUN_API_RATE = "3/m"
    client = token_client(cast.alice)
    assert [client.get("/api/v1/me").status_code for _ in range(3)] == [200, 200, 200]
    response = client.get("/api/v1/me")
    assert response.status_code == 429
    assert response.json()["code"] == "throttled"
    assert int(response["Retry-After"]) >= 1
    # Budgets are per token (per account for sessions): other callers go on.
    assert token_client(cast.bob).get("/api/v1/me").status_code == 200
    assert token_client(cast.alice).get("/api/v1/me").status_code == 200
