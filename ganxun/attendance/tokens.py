"""The rotating token of the check-in QR code.

A token names a session, a purpose (check-in or check-out) and a time window of
GANXUN_CHECKIN_TOKEN_SECONDS (default 20 s), signed with HMAC-SHA256 under a key derived
from SECRET_KEY (Django's salted_hmac with our own salt). It looks like

    2s.i.1gkz3k.Xb7Qe0rTfa-3

(session id and window in base 36, ``i``/``o`` for in/out, 72 bits of the MAC in base64url),
about 25 characters, so the QR code that carries the check-in URL stays low-density.

A token is accepted during its own window and the one after it (the code on the screen
and the one just replaced, so a scan at the moment of rotation still works): 20–40 s.
A photo or screenshot of an older code is refused as expired; a token whose MAC does
not match (edited, made up, of another deployment) is refused as invalid. The server
decides the session from the token and the time from its own clock, nothing else.
"""

from __future__ import annotations

import base64
import datetime as dt
import hmac
from dataclasses import dataclass
from urllib.parse import urlencode

from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import salted_hmac

from ganxun.attendance.rules import setting
from ganxun.core.errors import DomainError

SALT = "ganxun.attendance.checkin-token"
PURPOSE_CHECKIN = "in"
PURPOSE_CHECKOUT = "out"
PURPOSES = {PURPOSE_CHECKIN: "i", PURPOSE_CHECKOUT: "o"}
_CODES = {code: purpose for purpose, code in PURPOSES.items()}
MAC_BYTES = 9
_DIGITS = "0123456789abcdefghijklmnopqrstuvwxyz"

INVALID_MESSAGE = "二维码无效，请扫描班主任现场出示的签到二维码。"
EXPIRED_MESSAGE = "二维码已过期，请扫描屏幕上正在显示的二维码。"


class TokenRefused(DomainError):
    """The token cannot be used: `code` is "invalid_token" or "expired_token"."""


@dataclass(frozen=True)
class TokenInfo:
    session_id: int
    purpose: str          # "in" or "out"
    window: int


def window_seconds() -> int:
    return max(setting("GANXUN_CHECKIN_TOKEN_SECONDS"), 1)


def window_of(now: dt.datetime | None = None) -> int:
    return int((now or timezone.now()).timestamp()) // window_seconds()


def seconds_left(now: dt.datetime | None = None) -> float:
    """Seconds until the code on the screen rotates."""
    stamp = (now or timezone.now()).timestamp()
    size = window_seconds()
    return size - (stamp % size)


def _base36(number: int) -> str:
    if number < 0:
        raise ValueError("negative")
    digits = ""
    while True:
        number, rest = divmod(number, 36)
        digits = _DIGITS[rest] + digits
        if not number:
            return digits


def _mac(session_id: int, code: str, window: int) -> str:
    digest = salted_hmac(SALT, f"{session_id}.{code}.{window}", algorithm="sha256").digest()[:MAC_BYTES]
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def checkin_token(session, purpose: str = PURPOSE_CHECKIN, now: dt.datetime | None = None) -> str:
    """The token the QR code of `session` (a Session or its id) shows at `now` (default: the
    current time). Tests and benchmarks use this to obtain a valid code."""
    if purpose not in PURPOSES:
        raise ValueError(f"unknown purpose {purpose!r}")
    session_id = int(getattr(session, "pk", session))
    code = PURPOSES[purpose]
    window = window_of(now)
    return f"{_base36(session_id)}.{code}.{_base36(window)}.{_mac(session_id, code, window)}"


def token_read(token: str, now: dt.datetime | None = None) -> TokenInfo:
    """Check a token's signature and age; raise TokenRefused (invalid or expired)."""
    parts = (token or "").strip().split(".")
    if len(parts) != 4 or len(token) > 80:
        raise TokenRefused(INVALID_MESSAGE, code="invalid_token", field="token")
    raw_session, code, raw_window, mac = parts
    try:
        session_id, window = int(raw_session, 36), int(raw_window, 36)
    except ValueError:
        raise TokenRefused(INVALID_MESSAGE, code="invalid_token", field="token") from None
    if code not in _CODES or not hmac.compare_digest(mac, _mac(session_id, code, window)):
        raise TokenRefused(INVALID_MESSAGE, code="invalid_token", field="token")
    current = window_of(now)
    if window > current + 1:
        # Only the servers make tokens, from their clocks: one window ahead is the clock skew
        # between two application servers at a rotation; anything further is not ours.
        raise TokenRefused(INVALID_MESSAGE, code="invalid_token", field="token")
    if window < current - 1:
        raise TokenRefused(EXPIRED_MESSAGE, code="expired_token", field="token")
    return TokenInfo(session_id=session_id, purpose=_CODES[code], window=window)


def checkin_path(token: str) -> str:
    """The learner check-in page for a token (what the QR code points at)."""
    return f"{reverse('attendance:learn_checkin')}?{urlencode({'t': token})}"


def checkin_url(request, token: str) -> str:
    """The absolute URL the QR code encodes, so a phone's own camera app opens it too."""
    return request.build_absolute_uri(checkin_path(token))
