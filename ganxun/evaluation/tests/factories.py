"""Builders for evaluation tests: a class that has taken place, its attendees and their ratings."""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass, field

from django.utils import timezone

from ganxun.access.roles import Role
from ganxun.attendance.models import AttendanceRecord
from ganxun.classes.models import Session, TrainingClass
from ganxun.evaluation.models import ClassRating, SessionRating
from ganxun.roster.models import Enrollment
from ganxun.testing import make_account, make_cadre, make_class, make_enrollment, make_session, make_teacher

_names = itertools.count(1)


def cadre_with_account(name: str, unit, *, username: str | None = None):
    account = make_account(username or f"cadre{next(_names)}", Role.CADRE, unit, full_name=name)
    return make_cadre(name, unit, account=account)


def attend(session: Session, enrollment: Enrollment, status: str = "present") -> AttendanceRecord:
    return AttendanceRecord.objects.create(session=session, enrollment=enrollment, status=status, method="qr",
                                           checked_in_at=timezone.now())


@dataclass
class Scenario:
    training_class: TrainingClass
    sessions: list[Session]
    enrollments: list[Enrollment] = field(default_factory=list)

    @property
    def carol(self) -> Enrollment:
        return self.enrollments[0]


def past_class(cast, *, ended_days_ago: int = 1, days: int = 3, title: str = "中青年干部培训班", status: str = "closed",
               organiser=None, head_teacher=None, attendees: int = 4, teacher=None, other_teacher=None,
               session_titles=("党史专题", "经济形势分析")) -> Scenario:
    """A class of the city party school run for county A that ended `ended_days_ago` days ago:
    session 1 (day 1 morning) by tom, session 2 (day 1 afternoon) by another teacher; carol and
    `attendees - 1` more cadres of unit A1/A2, all approved and present at both sessions."""
    end = timezone.localdate() - dt.timedelta(days=ended_days_ago)
    start = end - dt.timedelta(days=days - 1)
    training_class = make_class(cast.party_school, title=title, organiser=organiser or cast.county_a, start=start,
                                days=days, status=status, head_teacher=head_teacher or cast.hannah)
    other_teacher = other_teacher or make_teacher(f"李教授{next(_names)}", cast.party_school)
    sessions = [
        make_session(training_class, slot="morning", title=session_titles[0], teacher=teacher or cast.tom_teacher),
        make_session(training_class, slot="afternoon", title=session_titles[1], teacher=other_teacher),
    ]
    scenario = Scenario(training_class, sessions)
    cadres = [cast.carol_cadre] + [
        cadre_with_account(f"学员{next(_names)}", cast.unit_a1 if i % 2 else cast.unit_a2)
        for i in range(attendees - 1)
    ]
    for seat, cadre in enumerate(cadres, start=1):
        enrollment = make_enrollment(training_class, cadre, seat_no=seat)
        scenario.enrollments.append(enrollment)
        for session in sessions:
            attend(session, enrollment)
    return scenario


def rate_sessions(session: Session, enrollments, scores, comments=()) -> list[SessionRating]:
    """One rating per (enrollment, (content, teaching)) pair, written directly."""
    comments = list(comments) + [""] * len(scores)
    return [SessionRating.objects.create(session=session, enrollment=e, content=c, teaching=t, comment=comment)
            for e, (c, t), comment in zip(enrollments, scores, comments)]


def rate_class(training_class, enrollments, scores, comments=()) -> list[ClassRating]:
    comments = list(comments) + [""] * len(scores)
    return [ClassRating.objects.create(training_class=training_class, enrollment=e, content=c, organisation=o,
                                       logistics=lg, comment=comment)
            for e, (c, o, lg), comment in zip(enrollments, scores, comments)]
