"""Builders of the themed-class tests."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from ganxun.learning.models import StudyProgress
from ganxun.learning.tests.helpers import make_course
from ganxun.onlineclasses import services
from ganxun.testing import with_role

TODAY = dt.date.today()


def a_class(cast, *, courses=None, open_it: bool = False, required_hours="0", days: int = 30, **audience):
    """A class of county A's org department (alice) over county A, with one required and one
    elective course unless `courses` is given; opened when asked."""
    if courses is None:
        courses = [(make_course(cast, title="党史专题"), True), (make_course(cast, title="经济形势"), False)]
    fields = {"audience_root": cast.county_a, **audience}
    themed_class = services.themed_class_create(
        actor=with_role(cast.alice), owner=cast.org_dept_a, title="学习贯彻专题网络班", start_date=TODAY,
        deadline=TODAY + dt.timedelta(days=days), required_hours=required_hours, courses=courses, **fields)
    if open_it:
        services.themed_class_open(actor=with_role(cast.alice), themed_class=themed_class)
    return themed_class


def complete(cadre, course, *, hours="1", seconds: int = 600):
    """The cadre's own progress row in the course, completed (what learning.progress_complete leaves)."""
    account = cadre.person.account
    if account is None:
        from ganxun.testing import make_account

        account = make_account(f"u{cadre.pk}")
        cadre.person.account = account
        cadre.person.save(update_fields=["account"])
    now = timezone.now()
    return StudyProgress.objects.create(account=account, cadre=cadre, course=course, credited_seconds=seconds,
                                        started_at=now, last_studied_at=now, completed_at=now,
                                        credit_hours=Decimal(hours))


def started(cadre, course, *, seconds: int = 120):
    account = cadre.person.account
    now = timezone.now()
    return StudyProgress.objects.create(account=account, cadre=cadre, course=course, credited_seconds=seconds,
                                        started_at=now, last_studied_at=now)
