"""Builders for class tests."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from ganxun.classes.models import ClassStatus, Room, TrainingClass

MONDAY = dt.date(2026, 3, 2)


def make_room(institution, name: str = "第一教室", capacity: int = 60) -> Room:
    return Room.objects.create(institution=institution, name=name, capacity=capacity)


def make_class(institution, *, title: str = "县处级领导干部进修班", start: dt.date = MONDAY, days: int = 5,
               organiser=None, status: str = ClassStatus.DRAFT, capacity: int = 50) -> TrainingClass:
    return TrainingClass.objects.create(
        title=title, institution=institution, organiser=organiser, training_type="in_service",
        start_date=start, end_date=start + dt.timedelta(days=days - 1), capacity=capacity,
        hours_per_half_day=Decimal("3"), status=status,
    )
