"""The rotating QR token: its window, its signature, its size."""

from __future__ import annotations

import datetime as dt

import pytest

from ganxun.attendance.qr import qr_svg
from ganxun.attendance.tests.builders import MONDAY, at
from ganxun.attendance.tokens import TokenRefused, _base36, checkin_token, token_read, window_of

T = at(MONDAY, 8, 31)  # a whole minute: the start of a 20-second window


def test_a_token_is_accepted_in_its_own_window_and_the_next_one_only():
    token = checkin_token(7, "in", now=T)
    assert token_read(token, now=T).session_id == 7
    assert token_read(token, now=T + dt.timedelta(seconds=19)).window == window_of(T)
    assert token_read(token, now=T + dt.timedelta(seconds=20)).purpose == "in"  # replaced a moment ago
    assert token_read(token, now=T + dt.timedelta(seconds=39)).session_id == 7
    with pytest.raises(TokenRefused) as refused:
        token_read(token, now=T + dt.timedelta(seconds=40))  # a screenshot of an older code
    assert refused.value.code == "expired_token"
    assert refused.value.message == "二维码已过期，请扫描屏幕上正在显示的二维码。"


def test_the_code_rotates_every_window():
    assert checkin_token(7, now=T) == checkin_token(7, now=T + dt.timedelta(seconds=19))
    assert checkin_token(7, now=T) != checkin_token(7, now=T + dt.timedelta(seconds=20))


def test_the_window_length_is_a_setting(settings):
    settings.GANXUN_CHECKIN_TOKEN_SECONDS = 15
    token = checkin_token(7, now=T)
    token_read(token, now=T + dt.timedelta(seconds=29))
    with pytest.raises(TokenRefused):
        token_read(token, now=T + dt.timedelta(seconds=30))


def test_it_accepts_the_next_window_made_by_a_server_whose_clock_is_ahead():
    token = checkin_token(7, now=T + dt.timedelta(seconds=20))
    assert token_read(token, now=T + dt.timedelta(seconds=19)).session_id == 7


def test_it_refuses_a_token_from_further_in_the_future():
    token = checkin_token(7, now=T + dt.timedelta(seconds=40))
    with pytest.raises(TokenRefused) as refused:
        token_read(token, now=T)
    assert refused.value.code == "invalid_token"


@pytest.mark.parametrize("tamper", [
    lambda parts: ["8", *parts[1:]],                                   # another session, same signature
    lambda parts: [parts[0], "o", *parts[2:]],                         # check-in code used as check-out code
    lambda parts: [*parts[:2], _base36(int(parts[2], 36) - 1), parts[3]],  # an earlier window
    lambda parts: [*parts[:3], ("A" if parts[3][0] != "A" else "B") + parts[3][1:]],  # a forged signature
    lambda parts: parts[:3],                                           # cut short
])
def test_it_refuses_a_tampered_token(tamper):
    parts = checkin_token(7, "in", now=T).split(".")
    with pytest.raises(TokenRefused) as refused:
        token_read(".".join(tamper(parts)), now=T)
    assert refused.value.code == "invalid_token"
    assert refused.value.message == "二维码无效，请扫描班主任现场出示的签到二维码。"


@pytest.mark.parametrize("garbage", ["", "hello", "a.b.c.d", "1.i.zz.!!!!", "x" * 200])
def test_it_refuses_garbage(garbage):
    with pytest.raises(TokenRefused):
        token_read(garbage, now=T)


def test_the_signature_depends_on_the_secret_key(settings):
    token = checkin_token(7, now=T)
    settings.SECRET_KEY = "another-deployment-" + "y" * 40
    with pytest.raises(TokenRefused):
        token_read(token, now=T)


def test_the_token_is_short_and_its_qr_code_low_density():
    token = checkin_token(123456, "out", now=T)
    assert len(token) <= 30
    url = f"https://ganxun.linjiang.gov.cn/learn/checkin/?t={token}"
    svg = str(qr_svg(url))
    assert svg.startswith("<svg") and 'class="checkin-qr"' in svg
    # version 4 (33 modules) or 5 (37 modules) + 2 × 4 quiet zone
    assert 'viewBox="0 0 41 41"' in svg or 'viewBox="0 0 45 45"' in svg
