"""Builders for logistics tests: a class of the city party school with its settings, guest rooms."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from ganxun.logistics.models import ClassLogistics, LodgingRoom, RoomGender
from ganxun.testing import make_class

FAR_AHEAD = 30  # days: every cut-off of such a class is still open


def future_start(days: int = FAR_AHEAD) -> dt.date:
    return timezone.localdate() + dt.timedelta(days=days)


def logistics_class(cast, *, start: dt.date | None = None, days: int = 3, dining: bool = True, lodging: bool = True,
                    title: str = "中青年干部培训班", head_teacher="hannah", status: str = "enrolling", **settings):
    """A class of the party school headed by hannah, with saved logistics settings."""
    training_class = make_class(cast.party_school, title=title, start=start or future_start(), days=days,
                                organiser=cast.county_a, status=status,
                                head_teacher=getattr(cast, head_teacher) if head_teacher else None)
    ClassLogistics.objects.create(training_class=training_class, provides_dining=dining, provides_lodging=lodging,
                                  **settings)
    return training_class


def make_room(institution, number: str = "101", *, building: str = "1号楼", beds: int = 2,
              gender: str = RoomGender.ANY, active: bool = True) -> LodgingRoom:
    return LodgingRoom.objects.create(institution=institution, building=building, number=number, beds=beds,
                                      gender=gender, is_active=active)
