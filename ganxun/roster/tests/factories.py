"""Builders for roster tests: calls and quotas in a given state (services are tested on their own)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from ganxun.roster.models import CallMode, CallStatus, TrainingCall, UnitQuota
from ganxun.testing import make_class


def today() -> dt.date:
    return timezone.localdate()


def county_class(cast, *, title: str = "东城区科级干部进修班", start: dt.date | None = None, days: int = 5,
                 capacity: int = 30, status: str = "enrolling", topics=(), head_teacher=None):
    """A class of the city party school run by county A's org department (alice may call for it)."""
    return make_class(cast.party_school, title=title, organiser=cast.county_a,
                      start=start or today() + dt.timedelta(days=14), days=days, capacity=capacity, status=status,
                      topics=topics, head_teacher=head_teacher)


def make_call(training_class, *, mode: str = CallMode.QUOTA, status: str = CallStatus.ISSUED,
              deadline: dt.date | None = None, **fields) -> TrainingCall:
    deadline = deadline or min(today() + dt.timedelta(days=5), training_class.start_date - dt.timedelta(days=1))
    return TrainingCall.objects.create(
        training_class=training_class, mode=mode, status=status, document_no=fields.pop("document_no", "东组通〔2026〕8号"),
        nomination_deadline=deadline, contact=fields.pop("contact", "组织科 王老师 0571-88001234"),
        issued_at=timezone.now() if status == CallStatus.ISSUED else None, **fields,
    )


def make_quota(call, unit, seats: int = 2, note: str = "") -> UnitQuota:
    return UnitQuota.objects.create(call=call, unit=unit, seats=seats, note=note)


def issued_quota(cast, *, seats: int = 2, capacity: int = 30, unit=None, **class_options) -> UnitQuota:
    """An issued quota call for a county-A class, with `seats` for unit A1 (bob's unit)."""
    training_class = county_class(cast, capacity=capacity, **class_options)
    return make_quota(make_call(training_class), unit or cast.unit_a1, seats)
