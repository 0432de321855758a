"""Log-in security: lockout, generic failures, forced password change, idle timeout, TOTP."""

import datetime as dt

import pyotp
import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from ganxun.access import services
from ganxun.access.models import Account
from ganxun.audit.models import AuditEntry
from ganxun.testing import PASSWORD

pytestmark = pytest.mark.django_db


def _login(client, username, password=PASSWORD, ip="10.0.0.1"):
    return client.post("/login/", {"username": username, "password": password}, REMOTE_ADDR=ip)


def test_a_correct_password_logs_in_and_is_audited(cast):
    client = Client()
    response = _login(client, "alice")
    assert response.status_code == 302
    assert client.get("/").status_code == 200
    entry = AuditEntry.objects.filter(action="auth.login", actor_username="alice").latest("id")
    assert entry.result == "success" and entry.ip == "10.0.0.1"


def test_a_wrong_password_and_an_unknown_user_get_the_same_answer(cast):
    wrong = _login(Client(), "alice", "nope").content.decode()
    unknown = _login(Client(), "nobody", "nope").content.decode()
    assert "用户名或密码错误" in wrong and "用户名或密码错误" in unknown
    failures = AuditEntry.objects.filter(action="auth.login", result="failure")
    assert set(failures.values_list("actor_username", flat=True)) == {"alice", "nobody"}


def test_it_locks_an_account_after_five_failures_even_with_the_right_password(cast):
    for attempt in range(5):
        _login(Client(), "alice", "wrong", ip=f"10.0.1.{attempt}")
    response = _login(Client(), "alice", ip="10.0.2.1")
    assert "已锁定" in response.content.decode()
    assert AuditEntry.objects.filter(action="auth.login", result="denied", actor_username="alice").exists()
    # Other accounts are unaffected.
    assert _login(Client(), "bob", ip="10.0.2.1").status_code == 302


def test_it_locks_an_ip_that_tries_many_accounts(cast):
    for username in ("alice", "bob", "carol", "ivan", "tom"):
        _login(Client(), username, "wrong", ip="10.9.9.9")
    assert "已锁定" in _login(Client(), "leo", ip="10.9.9.9").content.decode()
    assert _login(Client(), "leo", ip="10.9.9.10").status_code == 302


def test_the_lock_expires_after_the_configured_minutes(cast):
    for _ in range(5):
        _login(Client(), "alice", "wrong")
    services.LoginThrottle.objects.update(locked_until=timezone.now() - dt.timedelta(seconds=1))
    assert _login(Client(), "alice").status_code == 302


def test_failures_outside_the_window_do_not_add_up(cast):
    for _ in range(4):
        _login(Client(), "alice", "wrong")
    services.LoginThrottle.objects.update(
        window_started_at=timezone.now() - dt.timedelta(minutes=settings.GANXUN_LOCKOUT_MINUTES + 1))
    _login(Client(), "alice", "wrong")
    assert _login(Client(), "alice").status_code == 302


def test_a_deactivated_account_cannot_log_in(cast):
    Account.objects.filter(pk=cast.alice.pk).update(is_active=False)
    assert "用户名或密码错误" in _login(Client(), "alice").content.decode()


def test_first_login_forces_a_password_change(cast):
    Account.objects.filter(pk=cast.alice.pk).update(must_change_password=True)
    client = Client()
    _login(client, "alice")
    response = client.get("/")
    assert response.status_code == 302 and response["Location"] == "/account/password/"
    response = client.post("/account/password/", {
        "old_password": PASSWORD, "new_password": "Neue-Pass-2026", "new_password2": "Neue-Pass-2026"})
    assert response.status_code == 302
    assert client.get("/").status_code == 200
    account = Account.objects.get(pk=cast.alice.pk)
    assert not account.must_change_password and account.check_password("Neue-Pass-2026")


@pytest.mark.parametrize(
    "password, reason",
    [("Ab1!", "太短"), ("abcdefgh1", "3 类"), ("alice", "太短"), ("Password1", "太常见")],
)
def test_the_password_policy_refuses_weak_passwords(cast, password, reason):
    client = Client()
    client.force_login(cast.alice)
    page = client.post("/account/password/", {
        "old_password": PASSWORD, "new_password": password, "new_password2": password}).content.decode()
    assert reason in page
    assert Account.objects.get(pk=cast.alice.pk).check_password(PASSWORD)


def test_the_password_may_not_be_the_username_or_the_id_number(cast):
    with pytest.raises(services.DomainError, match="用户名或身份证号"):
        services.validate_password("Alice.Smith-1", Account(username="alice.smith-1"))
    number = cast.carol_cadre.person.id_number
    with pytest.raises(services.DomainError, match="身份证号"):
        services.validate_password(number, cast.carol)


def test_passwords_are_hashed_with_argon2id_in_production_settings(cast):
    from django.contrib.auth.hashers import get_hasher

    # Outside tests Argon2 is the only hasher; here a fast one is prepended for speed.
    assert settings.PASSWORD_HASHERS[-1] == "ganxun.access.hashers.GanxunArgon2PasswordHasher"
    hasher = get_hasher("argon2")
    encoded = hasher.encode("Cast-Passw0rd!", hasher.salt())
    assert encoded.startswith("argon2$argon2id$v=19$m=19456,t=2,p=1$")
    assert hasher.verify("Cast-Passw0rd!", encoded) and not hasher.verify("wrong", encoded)


def test_an_idle_session_is_logged_out(cast, settings):
    client = Client()
    _login(client, "alice")
    session = client.session
    session[services.SESSION_LAST_SEEN_KEY] = timezone.now().timestamp() - settings.GANXUN_SESSION_IDLE_MINUTES * 60 - 5
    session.save()
    response = client.get("/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")
    assert client.get("/").status_code == 302


def test_an_active_session_stays(cast):
    client = Client()
    _login(client, "alice")
    session = client.session
    session[services.SESSION_LAST_SEEN_KEY] = timezone.now().timestamp() - 60
    session.save()
    assert client.get("/").status_code == 200


def test_pages_need_a_login(cast):
    response = Client().get("/manage/audit/")
    assert response.status_code == 302 and response["Location"].startswith("/login/?next=")


def test_next_parameter_does_not_redirect_off_site(cast):
    response = Client().post("/login/?next=https://evil.example/", {"username": "alice", "password": PASSWORD})
    assert response["Location"] == "/"


# --- TOTP ---------------------------------------------------------------------------

def test_the_three_admins_must_enrol_totp_before_they_get_in(cast):
    client = Client()
    response = _login(client, "sam")
    assert response["Location"] == "/login/totp/setup/"
    assert client.get("/").status_code == 302  # not logged in yet
    client.get("/login/totp/setup/")
    secret = client.session["ganxun_totp_setup_secret"]
    response = client.post("/login/totp/setup/", {"code": pyotp.TOTP(secret).now()})
    assert response.status_code == 302
    assert client.get("/").status_code == 200
    sam = Account.objects.get(pk=cast.sam.pk)
    assert sam.totp_enabled and sam.totp_secret == secret


def _enrol(account) -> str:
    secret = pyotp.random_base32()
    services.totp_enable(account=account, secret=secret, code=pyotp.TOTP(secret).now())
    Account.objects.filter(pk=account.pk).update(totp_last_step=None)
    return secret


def test_an_enrolled_admin_needs_the_code_and_a_code_works_once(cast):
    secret = _enrol(cast.sam)
    client = Client()
    assert _login(client, "sam")["Location"] == "/login/totp/"
    code = pyotp.TOTP(secret).now()
    assert client.post("/login/totp/", {"code": "000000" if code != "000000" else "111111"}).status_code == 200
    assert client.post("/login/totp/", {"code": code}).status_code == 302
    assert client.get("/").status_code == 200
    # The same code cannot be replayed for a second session.
    other = Client()
    _login(other, "sam")
    page = other.post("/login/totp/", {"code": code}).content.decode()
    assert "已使用" in page
    assert other.get("/").status_code == 302


def test_optional_totp_for_other_users_and_admins_cannot_turn_it_off(cast):
    secret = pyotp.random_base32()
    services.totp_enable(account=cast.alice, secret=secret, code=pyotp.TOTP(secret).now())
    assert services.requires_second_factor(Account.objects.get(pk=cast.alice.pk))
    services.totp_disable(actor=cast.alice, account=Account.objects.get(pk=cast.alice.pk))
    assert not Account.objects.get(pk=cast.alice.pk).totp_enabled
    _enrol(cast.sam)
    with pytest.raises(services.Forbidden):
        services.totp_disable(actor=cast.sam, account=Account.objects.get(pk=cast.sam.pk))


def test_a_pending_second_factor_expires(cast):
    _enrol(cast.sam)
    client = Client()
    _login(client, "sam")
    session = client.session
    session[services.SESSION_PENDING_KEY]["at"] -= 3600
    session.save()
    assert client.get("/login/totp/")["Location"] == "/login/"


def test_wrong_second_factor_codes_count_towards_the_lockout(cast):
    secret = _enrol(cast.sam)
    client = Client()
    _login(client, "sam")
    for _ in range(5):
        client.post("/login/totp/", {"code": "000000"}, REMOTE_ADDR="10.0.0.1")
    response = client.post("/login/totp/", {"code": pyotp.TOTP(secret).now()}, REMOTE_ADDR="10.0.0.1")
    assert response.status_code == 302 and response["Location"] == "/login/"
    assert client.get("/").status_code == 302  # still not logged in
    assert AuditEntry.objects.filter(action="auth.totp", result="failure").count() == 5


def test_last_seen_is_written_at_most_once_a_minute(cast):
    client = Client()
    _login(client, "alice")
    session = client.session
    seen = timezone.now().timestamp() - 30
    session[services.SESSION_LAST_SEEN_KEY] = seen
    session.save()
    assert client.get("/").status_code == 200
    assert client.session[services.SESSION_LAST_SEEN_KEY] == seen  # 30 s ago: not rewritten
    session = client.session
    session[services.SESSION_LAST_SEEN_KEY] = seen - 60
    session.save()
    assert client.get("/").status_code == 200
    assert client.session[services.SESSION_LAST_SEEN_KEY] > seen  # 90 s ago: refreshed
