"""The time rules of check-in and check-out, in one place (docs/attendance.md).

Each figure comes from the environment variable of the same name (ganxun/settings.py, e.g.
``GANXUN_CHECKIN_LATE_MINUTES=5``); they are read at every call, so tests can override them
with pytest-django's ``settings``.

| setting                            | default | meaning                                               |
|------------------------------------|---------|-------------------------------------------------------|
| GANXUN_CHECKIN_OPENS_MINUTES       | 30      | check-in opens this many minutes before the start     |
| GANXUN_CHECKIN_LATE_MINUTES        | 10      | a check-in after start + this many minutes is late    |
| GANXUN_CHECKOUT_OPENS_MINUTES      | 30      | check-out opens this many minutes before the end      |
| GANXUN_CHECKOUT_CLOSES_MINUTES     | 60      | check-out closes this many minutes after the end      |
| GANXUN_CHECKIN_TOKEN_SECONDS       | 20      | the QR code's token rotates every this many seconds   |
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.utils import timezone

DEFAULTS = {
    "GANXUN_CHECKIN_OPENS_MINUTES": 30,
    "GANXUN_CHECKIN_LATE_MINUTES": 10,
    "GANXUN_CHECKOUT_OPENS_MINUTES": 30,
    "GANXUN_CHECKOUT_CLOSES_MINUTES": 60,
    "GANXUN_CHECKIN_TOKEN_SECONDS": 20,
}


def setting(name: str) -> int:
    return int(getattr(settings, name, DEFAULTS[name]))


def minutes(name: str) -> dt.timedelta:
    return dt.timedelta(minutes=setting(name))


def session_start(session) -> dt.datetime:
    """The session's start as an aware datetime in the platform's time zone."""
    return timezone.make_aware(dt.datetime.combine(session.date, session.start_time))


def session_end(session) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(session.date, session.end_time))


def checkin_window(session) -> tuple[dt.datetime, dt.datetime]:
    """[start − opens, end]: a cadre may check in from shortly before the start to the end."""
    return session_start(session) - minutes("GANXUN_CHECKIN_OPENS_MINUTES"), session_end(session)


def late_after(session) -> dt.datetime:
    """A check-in strictly after this moment is marked late."""
    return session_start(session) + minutes("GANXUN_CHECKIN_LATE_MINUTES")


def checkout_window(session) -> tuple[dt.datetime, dt.datetime]:
    """[end − opens, end + closes]."""
    end = session_end(session)
    return end - minutes("GANXUN_CHECKOUT_OPENS_MINUTES"), end + minutes("GANXUN_CHECKOUT_CLOSES_MINUTES")


def session_settled_at(session) -> dt.datetime:
    """When the session's attendance is final and it counts in the figures: at its end, or,
    for a session that needs check-out, when the check-out window closes."""
    if session.requires_checkout:
        return checkout_window(session)[1]
    return session_end(session)


def hm(moment: dt.datetime) -> str:
    """08:31 in the platform's time zone."""
    return timezone.localtime(moment).strftime("%H:%M")
