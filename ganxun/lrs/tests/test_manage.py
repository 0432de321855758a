"""The system administrator's LRS client pages (/manage/lrs/clients/)."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from ganxun.audit.models import AuditEntry
from ganxun.lrs import http
from ganxun.lrs.models import LrsClient
from ganxun.lrs.tests.test_documents import Lrs, make_client

pytestmark = pytest.mark.django_db

LIST = reverse("lrs_manage:client_list")
CREATE = reverse("lrs_manage:client_create")
ACTIVITIES = {"activityId": "http://example.com/a"}


def _credentials(response) -> tuple[str, str]:
    match = re.search(r'data-testid="lrs-credentials"', response.content.decode())
    assert match, "the page shows the credentials"
    value = re.search(r'id="lrs-credentials"[^>]*value="([^"]+)"', response.content.decode()).group(1)
    key, _, secret = value.partition(":")
    return key, secret


def test_it_lists_clients_for_the_system_admin(cast, login):
    make_client(name="市网络学院")
    response = login(cast.sam).get(LIST)
    assert response.status_code == 200
    assert "市网络学院" in response.content.decode()


@pytest.mark.parametrize("persona", ["charlie", "alice", "sec", "aud", "carol"])
def test_it_refuses_the_pages_to_other_roles(cast, login, persona):
    client, _, _ = make_client()
    browser = login(getattr(cast, persona))
    assert browser.get(LIST).status_code == 403
    assert browser.post(CREATE, {"name": "偷偷建的", "can_write": "on"}).status_code == 403
    assert browser.post(reverse("lrs_manage:client_set_active", args=[client.pk]), {"active": "0"}).status_code == 403
    assert browser.post(reverse("lrs_manage:client_rotate", args=[client.pk])).status_code == 403
    client.refresh_from_db()
    assert client.is_active and LrsClient.objects.count() == 1


def test_it_sends_an_anonymous_visitor_to_log_in(client):
    response = client.get(LIST)
    assert response.status_code == 302 and "/login" in response["Location"]


def test_it_answers_404_for_an_unknown_client(cast, login):
    browser = login(cast.sam)
    assert browser.post(reverse("lrs_manage:client_set_active", args=[999999]), {"active": "0"}).status_code == 404
    assert browser.post(reverse("lrs_manage:client_rotate", args=[999999])).status_code == 404


def test_it_creates_a_client_and_shows_its_secret_once(cast, login):
    browser = login(cast.sam)
    response = browser.post(CREATE, {"name": "东城区移动学习", "can_write": "on", "can_documents": "on",
                                     "scope": cast.county_a.pk})
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    key, secret = _credentials(response)
    client = LrsClient.objects.get(key=key)
    assert client.name == "东城区移动学习" and client.scope == cast.county_a and client.created_by == cast.sam
    assert (client.can_write, client.can_read_own, client.can_read_all, client.can_documents) == (True, False, False, True)
    assert client.secret_hash == http.secret_hash(secret) and secret not in client.secret_hash
    # the credentials work at once, and the secret is never shown again
    assert Lrs(key, secret).get("/xapi/activities", ACTIVITIES).status_code == 200
    assert secret not in browser.get(LIST).content.decode()
    entry = AuditEntry.objects.get(action="lrs_client.create")
    assert entry.target_id == str(client.pk) and entry.actor_username == "sam"
    assert secret not in str(entry.detail) and entry.detail["key"] == key


def test_it_refuses_a_client_without_a_name_or_any_permission_and_creates_nothing(cast, login):
    browser = login(cast.sam)
    assert browser.post(CREATE, {"name": "  ", "can_write": "on"}).status_code == 200
    response = browser.post(CREATE, {"name": "什么都不能做"})
    assert "请至少授予一项权限" in response.content.decode()
    assert not LrsClient.objects.exists()
    assert not AuditEntry.objects.filter(action="lrs_client.create").exists()


def test_disabling_a_client_takes_effect_at_once(cast, login):
    client, key, secret = make_client(name="将被停用")
    lrs = Lrs(key, secret)
    assert lrs.get("/xapi/activities", ACTIVITIES).status_code == 200  # now in the credential cache
    browser = login(cast.sam)
    response = browser.post(reverse("lrs_manage:client_set_active", args=[client.pk]), {"active": "0"})
    assert response.status_code == 302
    assert lrs.get("/xapi/activities", ACTIVITIES).status_code == 401
    assert AuditEntry.objects.filter(action="lrs_client.disable", target_id=str(client.pk)).exists()
    browser.post(reverse("lrs_manage:client_set_active", args=[client.pk]), {"active": "1"})
    assert lrs.get("/xapi/activities", ACTIVITIES).status_code == 200
    assert AuditEntry.objects.filter(action="lrs_client.enable", target_id=str(client.pk)).exists()


def test_rotating_the_secret_stops_the_old_one_at_once(cast, login):
    client, key, old_secret = make_client(name="换密钥")
    assert Lrs(key, old_secret).get("/xapi/activities", ACTIVITIES).status_code == 200
    response = login(cast.sam).post(reverse("lrs_manage:client_rotate", args=[client.pk]))
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    same_key, new_secret = _credentials(response)
    assert same_key == key and new_secret != old_secret
    assert Lrs(key, old_secret).get("/xapi/activities", ACTIVITIES).status_code == 401
    assert Lrs(key, new_secret).get("/xapi/activities", ACTIVITIES).status_code == 200
    entry = AuditEntry.objects.get(action="lrs_client.rotate_secret")
    assert new_secret not in str(entry.detail)


def test_it_refuses_to_disable_the_platforms_own_client(cast, login):
    client, _, _ = make_client(name="平台自身")
    LrsClient.objects.filter(pk=client.pk).update(is_system=True)
    response = login(cast.sam).post(reverse("lrs_manage:client_set_active", args=[client.pk]), {"active": "0"},
                                    follow=True)
    assert "平台自身的客户端不能停用" in response.content.decode()
    client.refresh_from_db()
    assert client.is_active


def test_the_navigation_links_the_system_admin_to_the_clients(cast, login):
    assert LIST in login(cast.sam).get(reverse("portal:home")).content.decode()
    assert LIST not in login(cast.alice).get(reverse("portal:home")).content.decode()
