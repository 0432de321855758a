"""Builders of attendance tests: a running class headed by hannah, with a timetable and a roster,
and moments in time to pass as `now` (or to freeze the clock with)."""

from __future__ import annotations

import datetime as dt
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from unittest import mock

from django.utils import timezone

from ganxun.testing import make_class, make_enrollment, make_session

MONDAY = dt.date(2027, 3, 1)


def at(day: dt.date, hour: int, minute: int = 0, second: int = 0) -> dt.datetime:
    """An aware moment of the platform's time zone (Asia/Shanghai)."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute, second)))


@contextmanager
def frozen(moment: dt.datetime):
    """The clock stands at `moment` for code that calls django.utils.timezone.now()."""
    with mock.patch("django.utils.timezone.now", return_value=moment):
        yield moment


@dataclass
class Running:
    training_class: object
    sessions: list            # mornings and afternoons of each day, in order
    carol: object             # carol's enrollment (seat 1)
    zhang: object             # 张伟 (unit A1, seat 2)
    li: object                # 李娜 (unit A1-sub, seat 3)

    @property
    def first(self):
        """Monday morning 08:30–11:30."""
        return self.sessions[0]


def running_class(cast, *, start: dt.date = MONDAY, days: int = 5, title: str = "中青年干部培训班",
                  head_teacher=None, checkout: bool = False, hours: Decimal = Decimal("3")) -> Running:
    """A running class of the party school (organised by county A, headed by hannah) with a
    morning and an afternoon session each day: days × 2 half-days × `hours` credit hours
    (5 days → 30 h, so the 1/7 line is 4.29 h)."""
    training_class = make_class(cast.party_school, title=title, organiser=cast.county_a, start=start, days=days,
                                status="running", head_teacher=head_teacher or cast.hannah)
    if hours != Decimal("3"):
        training_class.hours_per_half_day = hours
        training_class.save(update_fields=["hours_per_half_day"])
    sessions = []
    for offset in range(days):
        day = start + dt.timedelta(days=offset)
        for slot, name in (("morning", "专题讲座"), ("afternoon", "结构化研讨")):
            session = make_session(training_class, date=day, slot=slot, title=f"{name}{offset + 1}")
            if checkout:
                session.requires_checkout = True
                session.save(update_fields=["requires_checkout"])
            sessions.append(session)
    carol = make_enrollment(training_class, cast.carol_cadre, seat_no=1)
    zhang = make_enrollment(training_class, cast.cadres_a[1], seat_no=2)
    li = make_enrollment(training_class, cast.cadres_a[2], seat_no=3)
    return Running(training_class, sessions, carol, zhang, li)
